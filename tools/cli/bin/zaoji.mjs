#!/usr/bin/env node
// The CLI is TypeScript run in place (no build step): register tsx's loader, then import the entry.
import { register } from "tsx/esm/api"

register()
await import(new URL("../src/main.ts", import.meta.url).href)
