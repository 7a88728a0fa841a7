/**
 * Post-processing of generated text, as the official `process_response` does, and the streaming
 * form of it: a stream's deltas always concatenate to exactly the non-streamed reply.
 */
import type { ChatFormat } from "../tokenizer/types.js"

const CJK = "\\u4e00-\\u9fff"
const GLM1_PUNCT: ReadonlyArray<readonly [string, string]> = [
  [",", "，"],
  ["!", "！"],
  [":", "："],
  [";", "；"],
  ["?", "？"]
]
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** glm1 turns ASCII punctuation next to a Chinese character into its full-width form */
export const processResponse = (format: ChatFormat, text: string): string => {
  let t = text
  if (format === "glm3") {
    // glm3 replies start with a metadata line (blank for a plain answer, a tool name otherwise)
    const nl = text.indexOf("\n")
    if (nl < 0 || text.slice(0, nl).trim() === "") t = nl < 0 ? text : text.slice(nl + 1)
  }
  t = t.trim().replaceAll("[[训练时间]]", "2023年")
  if (format === "glm1") {
    for (const [a, b] of GLM1_PUNCT) {
      t = t.replace(new RegExp(`([${CJK}])${escape(a)}`, "g"), `$1${b}`)
      t = t.replace(new RegExp(`${escape(a)}([${CJK}])`, "g"), `${b}$1`)
    }
  }
  return t
}

/**
 * Feeds the growing decoded text; returns the next safe delta. Text that could still change (a
 * trailing partial UTF-8 character, trailing whitespace, the last character whose punctuation
 * may be rewritten by the next one) is held back until `finish`.
 */
export class ResponseStreamer {
  private emitted = ""
  constructor(private readonly format: ChatFormat) {}

  push(decodedSoFar: string): string {
    let raw = decodedSoFar
    while (raw.endsWith("\ufffd")) raw = raw.slice(0, -1)
    const p = processResponse(this.format, raw)
    const chars = Array.from(p)
    const safe = chars.slice(0, Math.max(0, chars.length - 1)).join("").trimEnd()
    if (safe.length > this.emitted.length && safe.startsWith(this.emitted)) {
      const delta = safe.slice(this.emitted.length)
      this.emitted = safe
      return delta
    }
    return ""
  }

  finish(decoded: string): string {
    const final = processResponse(this.format, decoded)
    const delta = final.startsWith(this.emitted) ? final.slice(this.emitted.length) : ""
    this.emitted = final
    return delta
  }
}
