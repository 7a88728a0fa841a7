/**
 * Optional LLM rewriting of record-derived pairs into fluent patient-facing wording. The text is
 * record-derived, so the client is made with `sensitive: true`: the privacy guard refuses any
 * endpoint that is neither loopback nor explicitly allowed by the workflow.
 */
import { Effect, Either, Schema } from "effect"
import type { InputError, StageContext } from "@zaoji/core"
import type { QaPair } from "@zaoji/data"
import { type LlmEndpoint, makeLlmClient } from "@zaoji/llm"
import { errorMessage } from "@zaoji/core"

export const defaultPolishPrompt =
  "把下面这组根据病历整理的问答改写成通顺、专业、面向患者的表述，不增加病历中没有的信息。\n" +
  "问题：{question}\n回答：{answer}\n" +
  '只输出一个JSON对象：{"question":"…","answer":"…"}'

const Polished = Schema.Struct({ question: Schema.Trim.pipe(Schema.nonEmptyString()), answer: Schema.Trim.pipe(Schema.nonEmptyString()) })

const parse = (content: string) => {
  const a = content.indexOf("{")
  const b = content.lastIndexOf("}")
  if (a < 0 || b <= a) return new Error("no JSON object in the answer")
  try {
    const r = Schema.decodeUnknownEither(Polished)(JSON.parse(content.slice(a, b + 1)))
    return Either.isRight(r) ? r.right : new Error('expected {"question","answer"}')
  } catch (e) {
    return new Error(`not valid JSON (${errorMessage(e)})`)
  }
}

export const polishPairs = (
  pairs: ReadonlyArray<QaPair>,
  ep: LlmEndpoint,
  prompt: string,
  ctx: Pick<StageContext, "allowEndpoint" | "checkpoint" | "log" | "progress">
): Effect.Effect<{ pairs: Array<QaPair>; polished: number; kept: number }, InputError> =>
  Effect.gen(function* () {
    const client = yield* makeLlmClient(ep, { sensitive: true, ctx })
    let polished = 0
    let done = 0
    const out = yield* Effect.forEach(
      pairs,
      (p) =>
        Effect.gen(function* () {
          const id = `polish|${p.id}`
          const saved = (yield* ctx.checkpoint.getItem(id)) as { question: string; answer: string } | undefined
          const content = prompt.replace("{question}", p.question).replace("{answer}", p.answer)
          const result = saved
            ? Either.right(saved)
            : yield* client.chat([{ role: "user", content }], parse).pipe(
                Effect.tap((r) => ctx.checkpoint.putItem(id, r.value)),
                Effect.map((r) => r.value),
                Effect.either
              )
          yield* ctx.progress.report(++done, pairs.length, "pairs")
          if (Either.isLeft(result)) {
            // a pair the endpoint could not rewrite keeps its rule-built wording
            yield* ctx.log("warn", "polish failed; kept the rule-built pair", { id: p.id, error: result.left.message })
            return p
          }
          polished++
          return { ...p, question: result.right.question, answer: result.right.answer }
        }),
      { concurrency: client.concurrency }
    )
    return { pairs: out, polished, kept: pairs.length - polished }
  })
