/**
 * Evaluate one model on every configured set, persisting each finished item in the stage
 * checkpoint (exam items, generated answers), so an interrupted comparison resumes where it stopped.
 */
import { Effect } from "effect"
import { sha256, type StageContext, type StageFailure } from "@zaoji/core"
import type { ExamQuestion, QaPair } from "@zaoji/data"
import { type ExamItem, type ExamMethod, type ExamResult, scoreExamBatch, summarizeExam } from "../exam/evaluate.js"
import { judgeAnswers } from "../judge/llmJudge.js"
import { scoreRate, type ScoredItem, type ScoreRate, type SubjectiveItem } from "../judge/scoreRate.js"
import type { GenerationPrompt, LanguageModel } from "../model/languageModel.js"
import { qaMetrics, type QaMetrics } from "../text/qaMetrics.js"
import type { ExamSetConfig } from "./config.js"
import type { CompareConfig } from "./config.js"

export interface ExamSetData {
  readonly questions: ReadonlyArray<ExamQuestion>
  readonly examples: ReadonlyArray<ExamQuestion>
  readonly cfg: ExamSetConfig
}

export interface SubjectiveData {
  readonly items: ReadonlyArray<SubjectiveItem>
  readonly cfg: NonNullable<CompareConfig["subjective"]>
  /** model name → human scores (already read from the CSVs) */
  readonly human: ReadonlyMap<string, ReadonlyArray<ScoredItem>>
}

export interface EvalSets {
  readonly exam?: ExamSetData
  readonly general?: ExamSetData
  readonly qa?: ReadonlyArray<QaPair>
  /** general-ability held-out QA, scored like `qa` */
  readonly generalQa?: ReadonlyArray<QaPair>
  readonly subjective?: SubjectiveData
}

export type ExamSummary = Omit<ExamResult, "items">

export interface ModelScores {
  readonly exam?: Partial<Record<ExamMethod, ExamSummary>>
  readonly general?: Partial<Record<ExamMethod, ExamSummary>>
  readonly qa?: QaMetrics
  readonly generalQa?: QaMetrics
  readonly subjective?: ScoreRate & { readonly source: "llm-judge" | "human" }
}

export interface ModelOutputs {
  readonly scores: ModelScores
  /** per-item records for the predictions files */
  readonly records: Readonly<Record<string, ReadonlyArray<unknown>>>
}

const itemKey = (...parts: ReadonlyArray<string>): string => "i-" + sha256(parts.join("\u0000")).slice(0, 40)

const examSet = (
  model: LanguageModel,
  name: string,
  setName: string,
  data: ExamSetData,
  cfg: CompareConfig,
  ctx: StageContext
): Effect.Effect<{ summary: Partial<Record<ExamMethod, ExamSummary>>; records: Record<string, ReadonlyArray<ExamItem>> }, StageFailure> =>
  Effect.gen(function* () {
    const summary: Partial<Record<ExamMethod, ExamSummary>> = {}
    const records: Record<string, ReadonlyArray<ExamItem>> = {}
    for (const method of data.cfg.methods) {
      const settings = {
        method,
        shots: data.cfg.shots,
        examples: data.examples,
        target: data.cfg.target,
        defaultSubject: data.cfg.defaultSubject,
        maxNewTokens: cfg.decoding.maxNewTokens,
        bootstrapSeed: cfg.bootstrap.seed,
        bootstrapResamples: cfg.bootstrap.resamples
      }
      const keyOf = (q: ExamQuestion) => itemKey(name, setName, method, String(data.cfg.shots), data.cfg.target, q.id)
      const done = new Map<string, ExamItem>()
      for (const q of data.questions) {
        const hit = (yield* ctx.checkpoint.getItem(keyOf(q))) as ExamItem | undefined
        if (hit !== undefined) done.set(q.id, hit)
      }
      const todo = data.questions.filter((q) => !done.has(q.id))
      for (let i = 0; i < todo.length; i += data.cfg.batchSize) {
        const batch = todo.slice(i, i + data.cfg.batchSize)
        const items = yield* scoreExamBatch(model, batch, settings)
        for (let j = 0; j < batch.length; j++) {
          done.set(batch[j].id, items[j])
          yield* ctx.checkpoint.putItem(keyOf(batch[j]), items[j])
        }
        yield* ctx.progress.report(done.size, data.questions.length, "questions", { model: name, set: setName, method })
      }
      const items = data.questions.map((q) => done.get(q.id)!)
      const { items: _omit, ...rest } = summarizeExam(items, settings)
      summary[method] = rest
      records[`${setName}.${method}`] = items
    }
    return { summary, records }
  })

/** greedy answers to a list of prompts, each cached by (model, set, id) */
const answers = (
  model: LanguageModel,
  name: string,
  setName: string,
  prompts: ReadonlyArray<{ readonly id: string; readonly prompt: GenerationPrompt }>,
  cfg: CompareConfig,
  ctx: StageContext,
  batchSize = 4
): Effect.Effect<Array<string>, StageFailure> =>
  Effect.gen(function* () {
    const out = new Map<string, string>()
    const keyOf = (id: string) => itemKey(name, setName, "answer", String(cfg.decoding.maxNewTokens), String(cfg.decoding.seed), id)
    for (const p of prompts) {
      const hit = (yield* ctx.checkpoint.getItem(keyOf(p.id))) as string | undefined
      if (hit !== undefined) out.set(p.id, hit)
    }
    const todo = prompts.filter((p) => !out.has(p.id))
    for (let i = 0; i < todo.length; i += batchSize) {
      const batch = todo.slice(i, i + batchSize)
      const replies = yield* model.generate(
        batch.map((b) => b.prompt),
        { maxNewTokens: cfg.decoding.maxNewTokens }
      )
      for (let j = 0; j < batch.length; j++) {
        out.set(batch[j].id, replies[j])
        yield* ctx.checkpoint.putItem(keyOf(batch[j].id), replies[j])
      }
      yield* ctx.progress.report(out.size, prompts.length, "answers", { model: name, set: setName })
    }
    return prompts.map((p) => out.get(p.id)!)
  })

export const evaluateModel = (
  model: LanguageModel,
  name: string,
  sets: EvalSets,
  cfg: CompareConfig,
  ctx: StageContext
): Effect.Effect<ModelOutputs, StageFailure> =>
  Effect.gen(function* () {
    const scores: { -readonly [K in keyof ModelScores]: ModelScores[K] } = {}
    const records: Record<string, ReadonlyArray<unknown>> = {}
    for (const setName of ["exam", "general"] as const) {
      const data = sets[setName]
      if (data === undefined) continue
      const r = yield* examSet(model, name, setName, data, cfg, ctx)
      scores[setName] = r.summary
      Object.assign(records, r.records)
    }
    // the set name keys the answer cache and the predictions file, so the two QA sets stay apart
    for (const [role, setName] of [["qa", "qa"], ["generalQa", "general_qa"]] as const) {
      const pairs = sets[role]
      if (pairs === undefined) continue
      // a pair that continues a conversation is asked with its earlier turns, as it was trained
      const prompt = (p: (typeof pairs)[number]): GenerationPrompt => (p.history?.length ? { query: p.question, history: p.history } : p.question)
      const preds = yield* answers(model, name, setName, pairs.map((p) => ({ id: p.id, prompt: prompt(p) })), cfg, ctx)
      scores[role] = qaMetrics(preds, pairs.map((p) => p.answer), { resamples: cfg.bootstrap.resamples, seed: cfg.bootstrap.seed })
      records[setName] = pairs.map((p, i) => ({
        id: p.id,
        ...(p.history?.length ? { history: p.history } : {}),
        question: p.question,
        reference: p.answer,
        prediction: preds[i]
      }))
    }
    if (sets.subjective !== undefined) {
      const sub = sets.subjective
      const human = sub.human.get(name)
      if (human !== undefined) {
        scores.subjective = { ...scoreRate(human), source: "human" }
        records["subjective"] = human
      } else if (sub.cfg.judge !== undefined) {
        const preds = yield* answers(model, name, "subjective", sub.items.map((it) => ({ id: it.id, prompt: it.question })), cfg, ctx)
        const judged = yield* judgeAnswers(sub.cfg.judge, sub.items.map((item, i) => ({ item, answer: preds[i] })), ctx)
        scores.subjective = { ...scoreRate(judged), source: "llm-judge" }
        records["subjective"] = judged.map((j, i) => ({ ...j, question: sub.items[i].question, answer: preds[i] }))
      }
    }
    return { scores, records }
  })
