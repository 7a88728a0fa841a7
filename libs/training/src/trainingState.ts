/**
 * The training state at a step boundary — trainable weights, AdamW moments and step, the data
 * cursor (epoch, position, order, RNG state), curves and early-stopping state — as JSON metadata
 * plus float32 safetensors blobs. The same snapshot serves an interrupted run's checkpoint and a
 * finished run's saved state that a later run continues from. Metadata is decoded by a Schema, so
 * a damaged or foreign snapshot is refused with the field that is wrong.
 */
import { createHash } from "node:crypto"
import { Either, ParseResult, Schema } from "effect"
import type { AdamWState } from "./adamw.js"
import type { TokenExample } from "./batch.js"
import { decodeF32Blob, encodeF32Blob } from "./stateCodec.js"
import { NonNegInt } from "@zaoji/core"

export const STATE_VERSION = 1

/** where the data order stands: `order` is the epoch's permutation, `pos` the next index into it */
export const DataCursor = Schema.mutable(
  Schema.Struct({
    epoch: NonNegInt,
    pos: NonNegInt,
    order: Schema.mutable(Schema.Array(NonNegInt)),
    rngState: NonNegInt
  })
)
export type DataCursor = typeof DataCursor.Type

// a step without targets has no loss: NaN, which JSON writes as null
const LossValue = Schema.transform(Schema.NullOr(Schema.Number), Schema.Number, {
  strict: true,
  decode: (v) => (v === null ? NaN : v),
  encode: (v) => (Number.isFinite(v) ? v : null)
})

export const StepRecordSchema = Schema.Struct({ step: Schema.Int, loss: LossValue, lr: Schema.Number, gradNorm: Schema.Number, targets: NonNegInt })
export const EvalRecordSchema = Schema.Struct({ step: Schema.Int, loss: Schema.Number })

/** fingerprint of the training examples: whether a continuing run trains on the same data */
export const DataFingerprint = Schema.Struct({ examples: NonNegInt, sha256: Schema.String })
export type DataFingerprint = typeof DataFingerprint.Type

export const TrainingStateMeta = Schema.Struct({
  version: Schema.Literal(STATE_VERSION),
  step: NonNegInt,
  /** the step this run started from: 0, or the step of the run it continues */
  startStep: Schema.optionalWith(NonNegInt, { default: () => 0 }),
  totalSteps: NonNegInt,
  trainable: Schema.Array(Schema.Struct({ name: Schema.String, shape: Schema.Array(NonNegInt) })),
  cursor: DataCursor,
  adamStep: NonNegInt,
  lossCurve: Schema.Array(StepRecordSchema),
  evalCurve: Schema.Array(EvalRecordSchema),
  best: Schema.NullOr(Schema.Number),
  badEvals: NonNegInt,
  stoppedEarly: Schema.Boolean,
  data: Schema.optional(DataFingerprint)
})
export type TrainingStateMeta = typeof TrainingStateMeta.Type

export const TRAINABLE_BLOB = "trainable.safetensors"
export const ADAM_M_BLOB = "adam_m.safetensors"
export const ADAM_V_BLOB = "adam_v.safetensors"
export const BEST_BLOB = "best.safetensors"

export interface TrainingState {
  readonly meta: TrainingStateMeta
  readonly params: Record<string, Float32Array>
  readonly adam: AdamWState
  readonly bestParams: Record<string, Float32Array> | undefined
}

export interface StateSnapshot {
  readonly meta: unknown
  readonly blobs: Readonly<Record<string, Uint8Array>>
}

export const encodeTrainingState = (s: TrainingState): StateSnapshot => {
  const shapes = Object.fromEntries(s.meta.trainable.map((t) => [t.name, t.shape]))
  const blobs: Record<string, Uint8Array> = {
    [TRAINABLE_BLOB]: encodeF32Blob(s.params, shapes),
    [ADAM_M_BLOB]: encodeF32Blob(s.adam.m, shapes),
    [ADAM_V_BLOB]: encodeF32Blob(s.adam.v, shapes)
  }
  if (s.bestParams) blobs[BEST_BLOB] = encodeF32Blob(s.bestParams, shapes)
  return { meta: Schema.encodeSync(TrainingStateMeta)(s.meta), blobs }
}

/**
 * Decode a snapshot; `what` names it in errors ("checkpoint", "the training state of artifact …").
 * Throws an Error saying which field or blob is wrong.
 */
export const decodeTrainingState = (saved: StateSnapshot, what: string): TrainingState => {
  const decoded = Schema.decodeUnknownEither(TrainingStateMeta)(saved.meta, { errors: "all" })
  if (Either.isLeft(decoded)) {
    const version = (saved.meta as { version?: unknown } | null)?.version
    if (version !== undefined && version !== STATE_VERSION) throw new Error(`${what}: format ${String(version)} is not ${STATE_VERSION}`)
    throw new Error(`${what}: metadata is not a training state: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`)
  }
  const meta = decoded.right
  const blob = (name: string) => {
    const b = saved.blobs[name]
    if (b === undefined) throw new Error(`${what} lacks ${name}`)
    const tensors = decodeF32Blob(b, `${what} ${name}`)
    for (const t of meta.trainable) {
      const got = tensors[t.name]
      const want = t.shape.reduce((a, x) => a * x, 1)
      if (got === undefined || got.length !== want) throw new Error(`${what} ${name}: tensor ${t.name} has ${got?.length ?? 0} values, expected ${want}`)
    }
    return tensors
  }
  return {
    meta,
    params: blob(TRAINABLE_BLOB),
    adam: { step: meta.adamStep, m: blob(ADAM_M_BLOB), v: blob(ADAM_V_BLOB) },
    bestParams: saved.blobs[BEST_BLOB] ? blob(BEST_BLOB) : undefined
  }
}

/** The fingerprint of a training set (token ids and labels, in order). */
export const fingerprintExamples = (examples: ReadonlyArray<TokenExample>): DataFingerprint => {
  const h = createHash("sha256")
  for (const e of examples) {
    h.update(Int32Array.from(e.inputIds))
    h.update(Int32Array.from(e.labels))
    h.update("|")
  }
  return { examples: examples.length, sha256: h.digest("hex") }
}
