/**
 * Supervised fine-tuning data: QA pairs (JSON Lines, `@zaoji/data`'s QaPair) read from dataset
 * artifacts, a seeded validation hold-out when no validation set is wired, and tokenization in the
 * model's chat format.
 */
import { join } from "node:path"
import { Effect } from "effect"
import { InputError, errorMessage } from "@zaoji/core"
import { QaPair, readRows } from "@zaoji/data"
import { Rng, type TokenExample } from "@zaoji/training"
import { decodeGlmConfig, loadTokenizer, tokenizerFilesIn, type ChatFormat, type Tokenizer } from "@zaoji/glm-runtime"
import { describeModelFolder } from "./adapters.js"
import type { FineTuningSettings } from "./settings.js"
import { buildExamples, type ExampleLimits, type SupervisedPair, type TruncationStats } from "./examples.js"

export const readQaPairs = (file: string): Effect.Effect<SupervisedPair[], InputError> =>
  readRows(file, QaPair).pipe(
    Effect.map((r) => r.rows.map((q) => ({ question: q.question, answer: q.answer, ...(q.history ? { history: q.history } : {}) })))
  )

/** Hold out `ratio` of the pairs (at least 1 when ratio > 0 and there are ≥ 10 pairs), seeded. */
export const holdOut = <A>(items: ReadonlyArray<A>, ratio: number, seed: number): { train: A[]; validation: A[] } => {
  const k = ratio > 0 && items.length >= 10 ? Math.max(1, Math.round(items.length * ratio)) : 0
  if (k === 0) return { train: [...items], validation: [] }
  const order = new Rng((seed ^ 0x5bd1e995) >>> 0).shuffle(items.map((_, i) => i))
  const val = new Set(order.slice(0, k))
  return { train: items.filter((_, i) => !val.has(i)), validation: items.filter((_, i) => val.has(i)) }
}

export interface SupervisedData {
  readonly train: TokenExample[]
  readonly validation: TokenExample[]
  readonly truncation: TruncationStats
}

export const prepareSupervised = (args: {
  readonly trainFile: string
  readonly validationFile?: string | undefined
  readonly tokenizer: Tokenizer
  readonly format: ChatFormat
  readonly limits: ExampleLimits
  readonly validationRatio: number
  readonly seed: number
}): Effect.Effect<SupervisedData, InputError> =>
  Effect.gen(function* () {
    const pairs = yield* readQaPairs(args.trainFile)
    const split =
      args.validationFile !== undefined
        ? { train: pairs, validation: yield* readQaPairs(args.validationFile) }
        : holdOut(pairs, args.validationRatio, args.seed)
    const t = buildExamples(args.tokenizer, args.format, split.train, args.limits)
    const v = buildExamples(args.tokenizer, args.format, split.validation, args.limits)
    return {
      train: t.examples,
      validation: v.examples,
      truncation: {
        examples: t.stats.examples + v.stats.examples,
        sourceTruncated: t.stats.sourceTruncated + v.stats.sourceTruncated,
        targetTruncated: t.stats.targetTruncated + v.stats.targetTruncated,
        idsDropped: t.stats.idsDropped + v.stats.idsDropped
      }
    }
  })

/** The tokenizer of a model folder, which may sit in the folder itself or in the base it builds on. */
export const tokenizerOfModel = (modelDir: string, baseDir: string, location: string): Effect.Effect<Tokenizer, InputError> =>
  Effect.gen(function* () {
    const dir = [modelDir, baseDir].find((d) => tokenizerFilesIn(d) !== undefined)
    if (dir === undefined) return yield* Effect.fail(new InputError({ location, message: `${modelDir}: the model folder has no tokenizer files` }))
    return yield* Effect.try({
      try: () => loadTokenizer(dir),
      catch: (e) => new InputError({ location: dir, message: errorMessage(e) })
    })
  })

/** A dataset input of a training stage: a JSON Lines file in an artifact folder. */
interface DatasetInput {
  readonly dir: string
  readonly value: { readonly file: string } | undefined
}

/** the settings of a fine-tuning stage's config that shape its examples (see settings.ts) */
export type SupervisedSettings = Pick<FineTuningSettings, "chatFormat" | "maxSourceLength" | "maxTargetLength" | "validationRatio" | "seed">

/**
 * The supervised data of a fine-tuning stage from its wired `data` (and optional `validation`)
 * inputs, tokenized in the stage's chat format; no training example is the user's input error.
 */
export const supervisedFromInputs = (args: {
  readonly data: DatasetInput & { readonly value: { readonly file: string } }
  readonly validation: DatasetInput | undefined
  readonly tokenizer: Tokenizer
  readonly settings: SupervisedSettings
}): Effect.Effect<SupervisedData, InputError> =>
  Effect.gen(function* () {
    const { settings } = args
    const trainFile = join(args.data.dir, args.data.value.file)
    const data = yield* prepareSupervised({
      trainFile,
      validationFile: args.validation?.value ? join(args.validation.dir, args.validation.value.file) : undefined,
      tokenizer: args.tokenizer,
      format: settings.chatFormat ?? args.tokenizer.chatFormat,
      limits: { maxSourceLength: settings.maxSourceLength, maxTargetLength: settings.maxTargetLength },
      validationRatio: settings.validationRatio,
      seed: settings.seed
    })
    if (data.train.length === 0) return yield* Effect.fail(new InputError({ location: trainFile, message: "no training examples: expected at least one QA pair" }))
    return data
  })

/** The input model of a fine-tuning stage: its folder description and its base config. */
export const openInputModel = (modelDir: string, location: string) =>
  Effect.gen(function* () {
    const folder = yield* Effect.try({
      try: () => describeModelFolder(modelDir),
      catch: (e) => new InputError({ location, message: errorMessage(e) })
    })
    const baseConfig = yield* Effect.try({
      try: () => decodeGlmConfig(folder.rawBaseConfig),
      catch: (e) => new InputError({ location: join(folder.baseDir, "config.json"), message: errorMessage(e) })
    })
    return { folder, baseConfig }
  })
