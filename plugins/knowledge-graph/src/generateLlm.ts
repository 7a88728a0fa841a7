/**
 * The LLM QA generator: one request per (entity, relation) asking for a few JSON-structured
 * question/answer pairs. Every finished request is persisted through the stage checkpoint at
 * once, so an interrupted run resumes without paying for any finished request again.
 */
import { Effect, Either, Schema } from "effect"
import type { StageContext } from "@zaoji/core"
import { type KgEntry, type QaPair, hash32 } from "@zaoji/data"
import { type LlmClient, type Usage, costOf } from "@zaoji/llm"
import { type Relation, relationLabel } from "./relations.js"
import { defaultRelations, relationValue } from "./templates.js"
import { errorMessage } from "@zaoji/core"

export const defaultPrompts = {
  system: "你是一名严谨的医学科普作者。只依据给出的事实作答，不编造。只输出JSON。",
  user:
    "请根据下面的医学知识，编写患者可能会问的问题及准确的回答。\n" +
    "实体：{entity}\n关系：{relation}\n事实：{facts}\n数量：{count}\n" +
    '只输出一个JSON对象，格式为 {"pairs":[{"question":"…","answer":"…"}]}，不要输出其他内容。'
}

export interface Prompts {
  readonly system?: string
  readonly user?: string
}

const GeneratedPairs = Schema.Struct({
  pairs: Schema.Array(
    Schema.Struct({ question: Schema.Trim.pipe(Schema.nonEmptyString()), answer: Schema.Trim.pipe(Schema.nonEmptyString()) })
  ).pipe(Schema.minItems(1))
})
type GeneratedPairs = typeof GeneratedPairs.Type

/** models wrap JSON in code fences or chatter; take the outermost object */
export const parseJsonAnswer = (content: string): GeneratedPairs | Error => {
  const start = content.indexOf("{")
  const end = content.lastIndexOf("}")
  if (start < 0 || end <= start) return new Error("no JSON object in the answer")
  let raw: unknown
  try {
    raw = JSON.parse(content.slice(start, end + 1))
  } catch (e) {
    return new Error(`answer is not valid JSON (${errorMessage(e)})`)
  }
  const r = Schema.decodeUnknownEither(GeneratedPairs)(raw)
  return Either.isRight(r) ? r.right : new Error(`answer JSON has the wrong shape: expected {"pairs":[{"question","answer"}]} (${r.left.message.split("\n")[0]})`)
}

export interface LlmWorkItem {
  readonly id: string
  readonly entity: string
  readonly relation: Relation
  readonly department: string | undefined
  readonly messages: ReadonlyArray<{ role: "system" | "user"; content: string }>
}

/** the persisted result of one finished request */
interface DoneItem {
  readonly pairs: ReadonlyArray<{ question: string; answer: string }>
  readonly usage: Usage
  readonly attempts: number
}

export interface LlmGenerateOptions {
  readonly relations?: ReadonlyArray<Relation>
  readonly pairsPerRequest?: number
  readonly maxListItems?: number
  readonly prompts?: Prompts
}

const fill = (t: string, vars: Record<string, string>) => t.replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m)

export const llmWorkItems = (entries: ReadonlyArray<KgEntry>, model: string, options: LlmGenerateOptions = {}): Array<LlmWorkItem> => {
  const system = options.prompts?.system ?? defaultPrompts.system
  const user = options.prompts?.user ?? defaultPrompts.user
  const count = String(options.pairsPerRequest ?? 2)
  const items: Array<LlmWorkItem> = []
  for (const e of entries) {
    for (const r of options.relations ?? defaultRelations) {
      const facts = relationValue(e, r, options.maxListItems)
      if (facts === undefined) continue
      const content = fill(user, { entity: e.name, relation: relationLabel[r], facts, count })
      // the id covers everything that shapes the request, so a changed prompt is a new item
      const id = `${e.name}|${r}|${hash32(`${model}\u0000${system}\u0000${content}`).toString(16)}`
      items.push({
        id,
        entity: e.name,
        relation: r,
        department: e.departments[e.departments.length - 1],
        messages: [
          { role: "system", content: system },
          { role: "user", content }
        ]
      })
    }
  }
  return items
}

export interface LlmGenerateResult {
  readonly pairs: Array<QaPair>
  readonly failed: Array<{ id: string; entity: string; relation: string; error: string }>
  readonly usage: {
    readonly requests: number
    readonly attempts: number
    readonly resumedItems: number
    readonly promptTokens: number
    readonly completionTokens: number
    readonly cost: number
    /** this run only (resumed items excluded) */
    readonly thisRun: { readonly requests: number; readonly attempts: number; readonly promptTokens: number; readonly completionTokens: number; readonly cost: number }
  }
}

export const generateLlm = (
  items: ReadonlyArray<LlmWorkItem>,
  client: LlmClient,
  ctx: Pick<StageContext, "checkpoint" | "progress" | "log">,
  sensitive: boolean
): Effect.Effect<LlmGenerateResult> =>
  Effect.gen(function* () {
    const persisted = yield* ctx.checkpoint.items()
    const results = new Map<string, DoneItem>()
    for (const it of items) {
      const v = persisted.get(it.id) as DoneItem | undefined
      if (v) results.set(it.id, v)
    }
    const resumedItems = results.size
    const failed: LlmGenerateResult["failed"] = []
    let done = results.size
    const thisRun = { requests: 0, attempts: 0, promptTokens: 0, completionTokens: 0, cost: 0 }
    yield* ctx.progress.report(done, items.length, "requests")
    if (resumedItems > 0) yield* ctx.log("info", "resuming QA generation", { finished: resumedItems, total: items.length })

    const todo = items.filter((it) => !results.has(it.id))
    yield* Effect.forEach(
      todo,
      (it) =>
        client.chat(it.messages, parseJsonAnswer).pipe(
          Effect.flatMap((r) => {
            const item: DoneItem = { pairs: r.value.pairs, usage: r.usage, attempts: r.attempts }
            thisRun.requests++
            thisRun.attempts += r.attempts
            thisRun.promptTokens += r.usage.promptTokens
            thisRun.completionTokens += r.usage.completionTokens
            results.set(it.id, item)
            return ctx.checkpoint.putItem(it.id, item)
          }),
          Effect.catchAll((err) => {
            failed.push({ id: it.id, entity: it.entity, relation: it.relation, error: err.message })
            return ctx.log("warn", "QA request failed", { entity: it.entity, relation: it.relation, error: err.message })
          }),
          Effect.zipRight(Effect.suspend(() => ctx.progress.report(++done, items.length, "requests")))
        ),
      { concurrency: client.concurrency, discard: true }
    )
    thisRun.cost = costOf(client.endpoint, thisRun)

    // output order follows the work list, not completion order, so reruns produce identical files
    const pairs: Array<QaPair> = []
    const total = { requests: 0, attempts: 0, promptTokens: 0, completionTokens: 0 }
    for (const it of items) {
      const r = results.get(it.id)
      if (!r) continue
      total.requests++
      total.attempts += r.attempts
      total.promptTokens += r.usage.promptTokens
      total.completionTokens += r.usage.completionTokens
      r.pairs.forEach((p, k) =>
        pairs.push({
          id: `kg-llm:${it.entity}:${it.relation}:${k}`,
          question: p.question,
          answer: p.answer,
          source: "kg-llm",
          relation: it.relation,
          entity: it.entity,
          department: it.department,
          sensitive
        })
      )
    }
    return {
      pairs,
      failed,
      usage: { ...total, resumedItems, cost: costOf(client.endpoint, total), thisRun }
    }
  })
