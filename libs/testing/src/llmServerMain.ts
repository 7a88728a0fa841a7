/**
 * Run the local OpenAI-compatible server as its own process (for kill -9 end-to-end tests):
 *
 *   node --import tsx libs/testing/src/llmServerMain.ts --port 0 [--handler ./handler.ts] [--api-key K]
 *
 * Prints one line `{"port":N,"baseURL":"http://127.0.0.1:N/v1"}` once listening; faults and the
 * request log are driven over HTTP: POST /__control/fail {count, fault, needle?},
 * GET /__control/requests, POST /__control/clear (forgets requests and pending faults).
 */
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { type ChatHandler, startLlmServer } from "./llmServer.js"

const args = process.argv.slice(2)
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}

const main = async () => {
  let handler: ChatHandler | undefined
  const handlerPath = opt("handler")
  if (handlerPath) {
    const mod = (await import(pathToFileURL(resolve(handlerPath)).href)) as { default?: ChatHandler }
    if (typeof mod.default !== "function") throw new Error(`${handlerPath}: expected a default-exported handler function`)
    handler = mod.default
  }
  const server = await startLlmServer({ port: Number(opt("port") ?? "0"), handler, apiKey: opt("api-key") })
  process.stdout.write(JSON.stringify({ port: server.port, baseURL: server.baseURL }) + "\n")
  const stop = () => void server.close().then(() => process.exit(0))
  process.on("SIGTERM", stop)
  process.on("SIGINT", stop)
}

main().catch((e) => {
  process.stderr.write(`llm server: ${String((e as Error)?.message ?? e)}\n`)
  process.exit(1)
})
