/**
 * The settings of the GPU device check (`npm run bench -- gpu`, and `run.sh` in a pack), each
 * defined once with its type, default and help. The defaults are ChatGLM2/3-6B's shape (glm2: 28
 * layers, hidden 4096, 32 heads in 2 KV groups of head width 128, ffn 13696, vocabulary 65,024)
 * and the paper's training work: P-Tuning v2 with pre_seq_len 128 and freeze tuning of the last 5
 * layers, at batch 8 × 256 tokens. `--micro` (or the single flags) shrink it for a CPU run.
 */
import { Schema } from "effect"

const PosInt = Schema.Int.pipe(Schema.positive())
const NonNegInt = Schema.Int.pipe(Schema.greaterThanOrEqualTo(0))

interface Field<S extends Schema.Schema<any, any, never>> {
  readonly schema: S
  readonly default: Schema.Schema.Type<S>
  readonly help: string
}

const field = <S extends Schema.Schema<any, any, never>>(schema: S, def: Schema.Schema.Type<S>, help: string): Field<S> => ({ schema, default: def, help })

/** Every setting: flag name (`--layers`), type, default (the 6B shape), help. */
export const gpuBenchFields = {
  layers: field(PosInt, 28, "transformer layers of the random model"),
  hidden: field(PosInt, 4096, "hidden width"),
  heads: field(PosInt, 32, "attention heads (head width = hidden / heads)"),
  kvGroups: field(PosInt, 2, "key/value groups (glm2 multi-query attention)"),
  ffn: field(PosInt, 13696, "MLP inner width (glm2 ffn_hidden_size)"),
  vocab: field(PosInt, 65024, "vocabulary (glm2 padded_vocab_size)"),
  batch: field(PosInt, 8, "training batch rows"),
  tokens: field(PosInt, 256, "tokens per training row (loss on the answer half)"),
  preSeqLen: field(PosInt, 128, "P-Tuning v2 prefix length"),
  freezeLayers: field(PosInt, 5, "trainable last layers of the freeze step"),
  promptTokens: field(PosInt, 256, "prompt tokens of the batch-1 prefill"),
  decodeTokens: field(PosInt, 32, "greedily decoded tokens at batch 1 (KV cache)"),
  steps: field(PosInt, 3, "timed training steps per mode (after one warm-up step); the median is reported"),
  seed: field(NonNegInt, 0, "seed of the random weights and batches")
} as const

export type GpuBenchShape = { readonly [K in keyof typeof gpuBenchFields]: number }

export const defaultGpuBenchShape: GpuBenchShape = Object.fromEntries(
  Object.entries(gpuBenchFields).map(([k, f]) => [k, f.default])
) as unknown as GpuBenchShape

/** A shape small enough for Mesa's software Vulkan in CI (seconds, not hours). */
export const microGpuBenchShape: GpuBenchShape = {
  ...defaultGpuBenchShape,
  layers: 3,
  hidden: 64,
  heads: 4,
  kvGroups: 2,
  ffn: 96,
  vocab: 512,
  batch: 2,
  tokens: 16,
  preSeqLen: 4,
  freezeLayers: 1,
  promptTokens: 8,
  decodeTokens: 4,
  steps: 1
}

export class GpuBenchSettingsError extends Error {}

/** The flags of the settings, as `--flag`, with the camelCase names kebab-cased. */
export const flagOf = (key: keyof GpuBenchShape): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`

/**
 * Read the settings from command-line arguments: `--micro` starts from the micro shape, then any
 * `--layers 3`-style flag overrides one value. Unknown flags are left to the caller; a bad value
 * is a clear error naming the flag and what was expected.
 */
export const parseGpuBenchShape = (args: ReadonlyArray<string>): GpuBenchShape => {
  const base: Record<string, number> = { ...(args.includes("--micro") ? microGpuBenchShape : defaultGpuBenchShape) }
  for (const key of Object.keys(gpuBenchFields) as Array<keyof GpuBenchShape>) {
    const flag = flagOf(key)
    const at = args.indexOf(flag)
    if (at < 0) continue
    const raw = args[at + 1]
    const decoded = Schema.decodeUnknownEither(gpuBenchFields[key].schema)(raw === undefined ? undefined : Number(raw))
    if (raw === undefined || raw.startsWith("--") || decoded._tag === "Left") {
      throw new GpuBenchSettingsError(`${flag}: expected ${key === "seed" ? "an integer ≥ 0" : "a positive integer"} (${gpuBenchFields[key].help}), got ${raw === undefined ? "nothing" : `"${raw}"`}`)
    }
    base[key] = decoded.right
  }
  const s = base as GpuBenchShape
  const problems: string[] = []
  if (s.hidden % s.heads !== 0) problems.push(`--hidden ${s.hidden} is not a multiple of --heads ${s.heads}`)
  else if ((s.hidden / s.heads) % 2 !== 0) problems.push(`the head width hidden / heads = ${s.hidden / s.heads} must be even (rotary pairs)`)
  if (s.heads % s.kvGroups !== 0) problems.push(`--heads ${s.heads} is not a multiple of --kv-groups ${s.kvGroups}`)
  if (s.freezeLayers > s.layers) problems.push(`--freeze-layers ${s.freezeLayers} is above --layers ${s.layers}`)
  if (s.tokens < 4) problems.push(`--tokens ${s.tokens}: a training row needs at least 4 tokens (prompt, [gMASK], <sop>, answer)`)
  if (s.vocab < 32) problems.push(`--vocab ${s.vocab}: the special tokens need at least 32 ids`)
  if (problems.length > 0) throw new GpuBenchSettingsError(problems.join("; "))
  return s
}

/** The settings' help, one line each (the `--help` of `run.sh` and of the suite). */
export const gpuBenchHelp = (): string =>
  (Object.keys(gpuBenchFields) as Array<keyof GpuBenchShape>)
    .map((k) => `  ${flagOf(k).padEnd(17)} ${gpuBenchFields[k].help} (default ${gpuBenchFields[k].default}; micro ${microGpuBenchShape[k]})`)
    .join("\n")
