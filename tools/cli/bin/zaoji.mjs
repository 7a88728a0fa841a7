#!/usr/bin/env node
// The CLI is TypeScript run in place: register tsx's loader, then import the entry.
import { register as registerHook } from "node:module"
import { register } from "tsx/esm/api"

register()
registerHook(new URL("./outsideWorkflows.mjs", import.meta.url))
const { main } = await import(new URL("../src/main.ts", import.meta.url).href)
await main()
