/**
 * Request bodies: read with a size limit (413 past it), parsed as JSON (400 that says so), decoded
 * by a Schema (400 naming each bad field by its path and what was expected there).
 */
import type { IncomingMessage } from "node:http"
import { Either, ParseResult, Schema } from "effect"
import { HttpError } from "./HttpError.js"
import { errorMessage } from "@zaoji/core"

/** The body as UTF-8 text; past `limit` bytes it fails with 413 and drains the rest unread. */
export const readText = (req: IncomingMessage, limit: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    let over = false
    req.on("data", (c: Buffer) => {
      if (over) return
      size += c.length
      if (size > limit) {
        over = true
        chunks.length = 0
        reject(new HttpError({ status: 413, message: `request body larger than ${limit} bytes`, code: "body_too_large" }))
        // keep reading (and dropping) so that the 413 reaches a client still sending
        req.resume()
        return
      }
      chunks.push(c)
    })
    req.on("end", () => {
      if (!over) resolve(Buffer.concat(chunks).toString("utf8"))
    })
    req.on("error", reject)
  })

/** JSON.parse with a 400 on failure; an empty body is `empty` when given. */
export const parseJson = (text: string, empty?: unknown): unknown => {
  if (text === "" && empty !== undefined) return empty
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new HttpError({ status: 400, message: `request body is not valid JSON: ${errorMessage(e)}`, code: "invalid_json" })
  }
}

/** Each problem as `path: message` (path "body" for the whole body), joined by "; ". */
export const issuesMessage = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((i) => `${i.path.length === 0 ? "body" : i.path.join(".")}: ${i.message}`)
    .join("; ")

/** Decode a parsed body; every bad field is named (fields the schema does not know are ignored). */
export const decodeBody = <A, I>(schema: Schema.Schema<A, I, never>, body: unknown): Either.Either<A, string> =>
  Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })(body).pipe(Either.mapLeft(issuesMessage))
