/**
 * Exam accuracy of a model on single-choice questions.
 *
 * - `loglik`: for each existing option, the log-likelihood of its continuation after the C-Eval
 *   prompt (continuation = the option text, or the letter with `target: "letter"`).
 *   `acc` = share of questions whose highest-sum option is the answer;
 *   `acc_norm` = the same with each sum divided by the continuation's length in characters
 *   (lm-evaluation-harness' acc_norm). Ties go to the earliest option (numpy argmax).
 * - `generate`: greedy reply to the prompt, answer letter extracted (`answerExtract.ts`);
 *   `acc` = share of questions whose extracted letter is the answer (unparsed = wrong).
 * - Per-subject breakdown uses the same definitions on each subject's questions; the 95% interval
 *   is the seeded percentile bootstrap over questions (`bootstrap.ts`).
 */
import { Effect } from "effect"
import type { StageFailure } from "@zaoji/core"
import type { ExamQuestion } from "@zaoji/data"
import type { LanguageModel } from "../model/languageModel.js"
import { extractAnswer } from "./answerExtract.js"
import { bootstrapMeanCi, type Interval } from "./bootstrap.js"
import { cevalPrompt, type Letter, optionLetters, pickShots, subjectKey } from "./prompt.js"

export type ExamMethod = "loglik" | "generate"

export interface ExamSettings {
  readonly method: ExamMethod
  readonly shots: number
  /** example split for k-shot prompts (required when shots > 0) */
  readonly examples?: ReadonlyArray<ExamQuestion>
  readonly target?: "option" | "letter"
  /** subject name for questions without one */
  readonly defaultSubject?: string
  readonly maxNewTokens?: number
  readonly bootstrapSeed?: number
  readonly bootstrapResamples?: number
  /** questions scored per model call */
  readonly batchSize?: number
}

export interface ExamItem {
  readonly id: string
  readonly subject: string
  readonly answer: Letter
  readonly predicted: Letter | null
  readonly correct: boolean
  /** loglik only: prediction under length normalisation */
  readonly predictedNorm?: Letter
  readonly correctNorm?: boolean
  /** loglik only: per option [letter, sum, characters] */
  readonly options?: ReadonlyArray<readonly [Letter, number, number]>
  /** generate only */
  readonly reply?: string
}

export interface ExamGroupScore {
  readonly n: number
  readonly acc: number
  readonly accCi: Interval
  readonly accNorm?: number
  readonly accNormCi?: Interval
  /** generate only: replies with no extractable letter */
  readonly unparsed?: number
}

export interface ExamResult extends ExamGroupScore {
  readonly method: ExamMethod
  readonly shots: number
  readonly bySubject: Readonly<Record<string, ExamGroupScore>>
  readonly items: ReadonlyArray<ExamItem>
}

const argmax = (xs: ReadonlyArray<number>): number => {
  let best = 0
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i
  return best
}

/** score one batch of questions */
export const scoreExamBatch = (
  model: LanguageModel,
  questions: ReadonlyArray<ExamQuestion>,
  s: ExamSettings
): Effect.Effect<Array<ExamItem>, StageFailure> =>
  Effect.gen(function* () {
    const subject = s.defaultSubject ?? "医学"
    const prompts = questions.map((q) => cevalPrompt(q, pickShots(q, s.examples ?? [], s.shots), subject))
    if (s.method === "generate") {
      const replies = yield* model.generate(prompts, { maxNewTokens: s.maxNewTokens ?? 16 })
      return questions.map((q, i): ExamItem => {
        const predicted = extractAnswer(replies[i], q)
        return { id: q.id, subject: subjectKey(q), answer: q.answer, predicted, correct: predicted === q.answer, reply: replies[i] }
      })
    }
    const queries = questions.flatMap((q, i) =>
      optionLetters(q).map((l) => ({ context: prompts[i], continuation: s.target === "letter" ? l : q.options[l] }))
    )
    const lls = yield* model.loglik(queries)
    let at = 0
    return questions.map((q): ExamItem => {
      const letters = optionLetters(q)
      const options = letters.map((l, j): readonly [Letter, number, number] => {
        const cont = queries[at + j].continuation
        return [l, lls[at + j].sum, Array.from(cont).length]
      })
      at += letters.length
      const predicted = letters[argmax(options.map((o) => o[1]))]
      const predictedNorm = letters[argmax(options.map((o) => o[1] / o[2]))]
      return {
        id: q.id,
        subject: subjectKey(q),
        answer: q.answer,
        predicted,
        correct: predicted === q.answer,
        predictedNorm,
        correctNorm: predictedNorm === q.answer,
        options
      }
    })
  })

/** aggregate scored items into accuracy, acc_norm, intervals and the per-subject breakdown */
export const summarizeExam = (items: ReadonlyArray<ExamItem>, s: ExamSettings): ExamResult => {
  const boot = { seed: s.bootstrapSeed ?? 1234, resamples: s.bootstrapResamples ?? 1000 }
  const group = (rows: ReadonlyArray<ExamItem>): ExamGroupScore => {
    const acc = rows.map((r) => (r.correct ? 1 : 0))
    const mean = (xs: ReadonlyArray<number>) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length)
    const base = { n: rows.length, acc: mean(acc), accCi: bootstrapMeanCi(acc, boot) }
    if (s.method === "generate") return { ...base, unparsed: rows.filter((r) => r.predicted === null).length }
    const norm = rows.map((r) => (r.correctNorm ? 1 : 0))
    return { ...base, accNorm: mean(norm), accNormCi: bootstrapMeanCi(norm, boot) }
  }
  const subjects = [...new Set(items.map((i) => i.subject))].sort()
  const bySubject = Object.fromEntries(subjects.map((k) => [k, group(items.filter((i) => i.subject === k))]))
  return { method: s.method, shots: s.shots, ...group(items), bySubject, items }
}

/** evaluate a model on a question set (batched; `onBatch` sees progress and can persist items) */
export const evaluateExam = (
  model: LanguageModel,
  questions: ReadonlyArray<ExamQuestion>,
  s: ExamSettings,
  onBatch?: (done: number, total: number, items: ReadonlyArray<ExamItem>) => Effect.Effect<void>
): Effect.Effect<ExamResult, StageFailure> =>
  Effect.gen(function* () {
    const batch = Math.max(1, s.batchSize ?? 8)
    const items: Array<ExamItem> = []
    for (let i = 0; i < questions.length; i += batch) {
      const scored = yield* scoreExamBatch(model, questions.slice(i, i + batch), s)
      items.push(...scored)
      if (onBatch) yield* onBatch(items.length, questions.length, scored)
    }
    return summarizeExam(items, s)
  })
