/**
 * Judge answers to subjective questions with an LLM through the `openai` client (any compatible
 * endpoint; the client, its retries and the privacy guard are @zaoji/llm's `makeLlmClient`).
 * Every verdict is cached per (judge model, prompt version, question, reference, rubric, answer)
 * in the stage checkpoint, so a re-run or a resumed stage never asks twice.
 */
import { Effect } from "effect"
import { canonicalJson, sha256, type StageContext, type StageFailure } from "@zaoji/core"
import { makeLlmClient, type LlmEndpoint } from "@zaoji/llm"
import { judgeMessages, JUDGE_PROMPT_VERSION, parseJudgeReply, type JudgeVerdict } from "./judgePrompt.js"
import type { SubjectiveItem } from "./scoreRate.js"

export interface JudgedAnswer extends JudgeVerdict {
  readonly id: string
  readonly points: number
  /** true when the verdict came from the cache */
  readonly cached: boolean
}

export const judgeCacheKey = (endpoint: LlmEndpoint, item: SubjectiveItem, answer: string): string =>
  "judge-" +
  sha256(
    canonicalJson({
      model: endpoint.model,
      baseURL: endpoint.baseURL,
      version: JUDGE_PROMPT_VERSION,
      question: item.question,
      reference: item.reference,
      rubric: item.rubric,
      answer
    })
  ).slice(0, 32)

export const judgeAnswers = (
  endpoint: LlmEndpoint,
  items: ReadonlyArray<{ readonly item: SubjectiveItem; readonly answer: string }>,
  ctx: StageContext
): Effect.Effect<Array<JudgedAnswer>, StageFailure> =>
  Effect.gen(function* () {
    const sensitive = items.some((x) => x.item.sensitive)
    const client = yield* makeLlmClient(endpoint, { sensitive, ctx })
    let done = 0
    return yield* Effect.forEach(
      items,
      ({ item, answer }) =>
        Effect.gen(function* () {
          const key = judgeCacheKey(endpoint, item, answer)
          const hit = (yield* ctx.checkpoint.getItem(key)) as JudgeVerdict | undefined
          let verdict: JudgeVerdict
          let cached = true
          if (hit !== undefined) verdict = hit
          else {
            const r = yield* client.chat(judgeMessages(item, answer), parseJudgeReply)
            verdict = { score: r.value.score, reason: r.value.reason }
            cached = false
            yield* ctx.checkpoint.putItem(key, verdict)
          }
          done++
          yield* ctx.progress.report(done, items.length, "judgements")
          return { id: item.id, points: item.points, score: verdict.score, reason: verdict.reason, cached }
        }),
      { concurrency: client.concurrency }
    )
  })
