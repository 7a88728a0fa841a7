export { bindRefusal, hostHeaderAllowed, ServerOptionsError, startServer, serverResource } from "./server.js"
export type { ServerOptions, RunningServer } from "./server.js"
export { ChatCompletionRequest } from "./protocol.js"
