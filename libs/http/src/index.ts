/**
 * @zaoji/http — the small HTTP kit behind the project's three servers (the OpenAI-compatible
 * `serve`, the rating server, the test LLM server): loopback Host check, body limit, JSON bodies
 * and replies, tagged errors mapped to statuses, routing, graceful close. See README.md for why it
 * is node:http and not @effect/platform's HttpRouter.
 */
export { HttpError } from "./HttpError.js"
export { hostHeaderAllowed, isLoopbackHost } from "./host.js"
export { readText, parseJson, decodeBody, issuesMessage } from "./body.js"
export { json, text, send, type Reply } from "./reply.js"
export { route, type Route, type Request, type Handler, type Method } from "./route.js"
export { startHttpServer, HttpServerOptionsError, type HttpServer, type HttpServerOptions } from "./server.js"
