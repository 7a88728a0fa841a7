/**
 * Zaoji's side of the GPU device check, on the current tfjs backend (webgpu on the GPU host):
 *
 * - load: the random model made in device memory and prepared as a model folder's load prepares it
 *   (on WebGPU no transposed copies of the linears: the matmuls read the weights transposed), until
 *   the device has finished;
 * - prefill at batch 1 (logits of the last position only, as generation needs) and greedy decoding
 *   with the KV cache at batch 1, tokens/s;
 * - one P-Tuning v2 step and one freeze step at the training batch, tokens/s, as the trainer runs
 *   them: loss and gradients on the device (the loss as the fine-tuning program computes it: the
 *   LM head only on the positions that have a target), gradients read to the host, AdamW on the
 *   host, the new trainable values uploaded. The device part alone is reported beside it.
 *
 * Each measure runs once untimed first: WebGPU compiles every shader pipeline on first use.
 */
import * as tf from "@tensorflow/tfjs"
import { createModel, disposeCache, forward, prefixEncoder, prefixNames, type GlmConfig, type GlmModel, type KvCache, type WeightMap } from "@zaoji/glm-runtime"
// the loss module alone: the device check's bundle carries no stage code
import { supervisedLoss } from "@zaoji/fine-tuning/supervised-loss"
import { adamwStep, initAdamWState, makeTfProgram, type TokenBatch } from "@zaoji/training"
import { decodeFlops, modelSizes, prefillFlops, trainStepFlops, targetRows, type TrainMode } from "../flops.js"
import { deviceWeights, gpuBenchConfig, trackDeviceMemory, weightBytes } from "./deviceModel.js"
import type { GpuBenchShape } from "./settings.js"

export interface TrainStepResult {
  readonly mode: Extract<TrainMode, "prefix" | "freeze">
  readonly tokensPerStep: number
  readonly headRows: number
  readonly trainableParams: number
  /** median seconds of a whole step (device gradients, host AdamW, upload) */
  readonly secondsPerStep: number
  /** median seconds of the device part alone (forward, backward, reading the gradients) */
  readonly gradientSeconds: number
  readonly tokensPerSecond: number
  readonly gflopPerSecond: number
  readonly loss: number
}

export interface ZaojiGpuResult {
  readonly backend: string
  readonly loadSeconds: number
  readonly weightBytes: number
  readonly peakDeviceBytes: number
  readonly peakSource: string
  readonly prefill: { readonly tokens: number; readonly seconds: number; readonly tokensPerSecond: number; readonly gflopPerSecond: number }
  readonly decode: { readonly tokens: number; readonly seconds: number; readonly tokensPerSecond: number; readonly gflopPerSecond: number }
  /** each mode's figures, or the error that stopped it (the other mode still runs) */
  readonly train: ReadonlyArray<TrainStepResult | { readonly mode: "prefix" | "freeze"; readonly error: string }>
  /** live tensors before the run and after everything was disposed (equal when nothing leaked) */
  readonly tensorsBefore: number
  readonly tensorsAfter: number
}

export const runZaojiSide = async (s: GpuBenchShape, log: (line: string) => void = () => {}): Promise<ZaojiGpuResult> => {
  const tensorsBefore = tf.memory().numTensors
  const memory = trackDeviceMemory()
  const cfg = gpuBenchConfig(s)
  const t0 = performance.now()
  const model = createModel(cfg, deviceWeights(cfg, s.seed))
  await settle(Object.values(model.weights)[0]!)
  const loadSeconds = (performance.now() - t0) / 1000
  const bytes = weightBytes(model.weights)
  log(`  zaoji: model made on the device in ${loadSeconds.toFixed(1)} s (${(bytes / 2 ** 30).toFixed(2)} GiB of weights)`)
  const sizes = modelSizes(cfg, s.freezeLayers)
  try {
    const prompt = randomIds(cfg, 1, s.promptTokens, s.seed + 1)
    await generateOnce(model, prompt, 2) // warm-up: pipelines at the prompt shape and the one-token shape
    const run = await generateOnce(model, prompt, s.decodeTokens)
    const prefill = { tokens: s.promptTokens, seconds: run.prefill, tokensPerSecond: s.promptTokens / run.prefill, gflopPerSecond: prefillFlops(sizes, 1, s.promptTokens) / run.prefill / 1e9 }
    const decode = {
      tokens: s.decodeTokens,
      seconds: run.decode,
      tokensPerSecond: s.decodeTokens / run.decode,
      gflopPerSecond: decodeFlops(sizes, 1, s.promptTokens, s.decodeTokens) / run.decode / 1e9
    }
    log(`  zaoji: prefill ${prefill.tokensPerSecond.toFixed(1)} tok/s, decode ${decode.tokensPerSecond.toFixed(2)} tok/s`)
    const train: Array<ZaojiGpuResult["train"][number]> = []
    for (const mode of ["prefix", "freeze"] as const) {
      try {
        const r = await trainSteps(model, s, mode)
        log(`  zaoji: ${mode} step ${r.tokensPerSecond.toFixed(1)} tok/s (device part ${(r.tokensPerStep / r.gradientSeconds).toFixed(1)} tok/s), loss ${r.loss.toFixed(3)}`)
        train.push(r)
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e)
        log(`  zaoji: ${mode} step failed: ${error}`)
        train.push({ mode, error })
      }
    }
    memory.sample()
    return await finish(model, { backend: tf.getBackend(), loadSeconds, weightBytes: bytes, peakDeviceBytes: memory.peak(), peakSource: memory.source, prefill, decode, train, tensorsBefore })
  } catch (e) {
    model.dispose()
    throw e
  }
}

/**
 * The training loss of the fine-tuning program (its own module there, so both sides run the same
 * code): the forward's final-norm states, the LM head on the positions that have a target, summed
 * cross-entropy. The golden parity checks it.
 */
export const targetLoss = supervisedLoss

/** Random training rows: prompt half, [gMASK, <sop>], answer half with the loss (as the CPU bench's batches). */
export const trainBatch = (cfg: GlmConfig, batch: number, tokens: number, seed: number): TokenBatch => {
  const ids = randomIds(cfg, batch, tokens, seed, false)
  const half = Math.floor(tokens / 2)
  const c = cfg as { gmask_token_id?: number; sop_token_id?: number; bos_token_id?: number }
  for (const row of ids) {
    row[half - 2] = c.gmask_token_id ?? 0
    row[half - 1] = c.sop_token_id ?? c.bos_token_id ?? 0
  }
  return { inputIds: ids, labels: ids.map((row) => row.map((x, i) => (i < half - 1 ? -100 : x))) }
}

// internal

/** Wait until the device has done everything queued (a read submits and waits, in queue order). */
const settle = async (t: tf.Tensor): Promise<void> => {
  const probe = tf.tidy(() => tf.sum(tf.slice(tf.reshape(t, [-1]), [0], [1])))
  await probe.data()
  probe.dispose()
}

const finish = async (model: GlmModel, r: Omit<ZaojiGpuResult, "tensorsAfter">): Promise<ZaojiGpuResult> => {
  model.dispose()
  return { ...r, tensorsAfter: tf.memory().numTensors }
}

/** deterministic ids in [5, vocab − 20) (below the special ids), `[gMASK, <sop>]` leading each row when `lead` */
const randomIds = (cfg: GlmConfig, batch: number, length: number, seed: number, lead = true): number[][] => {
  const vocab = cfg.zaoji_arch === "glm2" ? cfg.padded_vocab_size : cfg.vocab_size
  let x = (seed * 2654435761 + 1) >>> 0
  const next = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    return x
  }
  const c = cfg as { gmask_token_id?: number; sop_token_id?: number }
  return Array.from({ length: batch }, () => {
    const row = Array.from({ length: length }, () => 5 + (next() % (vocab - 25)))
    if (lead && length >= 3) {
      row[0] = c.gmask_token_id ?? row[0]!
      row[1] = c.sop_token_id ?? row[1]!
    }
    return row
  })
}

const argmaxLast = async (logits: tf.Tensor): Promise<number[]> => {
  const idx = tf.tidy(() => tf.argMax(tf.reshape(logits, [logits.shape[0]!, -1]), -1))
  const ids = Array.from(await idx.data())
  idx.dispose()
  return ids
}

/** one prefill (last-position logits) and `steps` greedy steps; seconds of each part, each ending with its tokens read */
const generateOnce = async (model: GlmModel, ids: number[][], steps: number): Promise<{ prefill: number; decode: number }> => {
  const cfg = model.config
  const opts = { logits: "last" as const, cache: true, prepared: model.prepared, trainable: new Set<string>() }
  const t0 = performance.now()
  let out = forward(cfg, model.weights, { inputIds: ids, padLeft: ids.map(() => 0) }, opts)
  let next = await argmaxLast(out.logits!)
  out.logits!.dispose()
  const t1 = performance.now()
  let cache: KvCache | undefined = out.cache
  for (let i = 0; i < steps; i++) {
    out = forward(cfg, model.weights, { inputIds: next.map((t) => [t]), cache }, opts)
    disposeCache(cache)
    cache = out.cache
    next = await argmaxLast(out.logits!)
    out.logits!.dispose()
  }
  disposeCache(cache)
  return { prefill: (t1 - t0) / 1000, decode: (performance.now() - t1) / 1000 }
}

const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** Warm-up plus `s.steps` timed steps of `mode` on the model's weights (which stay unchanged). */
const trainSteps = async (model: GlmModel, s: GpuBenchShape, mode: "prefix" | "freeze"): Promise<TrainStepResult> => {
  const base = model.config
  const cfg = mode === "prefix" ? gpuBenchConfig(s, s.preSeqLen) : base
  // the prefix table is the one new tensor of P-Tuning v2 (no projection)
  const extra = mode === "prefix" ? deviceWeights(cfg, s.seed + 11, { prefix: true, only: [prefixNames.embedding] }) : {}
  const trainableNames =
    mode === "prefix"
      ? [prefixNames.embedding]
      : Object.keys(model.weights).filter((n) => Array.from({ length: s.freezeLayers }, (_, i) => `encoder.layers.${s.layers - s.freezeLayers + i}.`).some((p) => n.includes(p)))
  const trainableSet = new Set(trainableNames)
  const all: WeightMap = { ...model.weights, ...extra }
  const frozen: Record<string, tf.Tensor> = {}
  for (const [n, t] of Object.entries(all)) if (!trainableSet.has(n)) frozen[n] = t
  // the program owns (and replaces) its trainable tensors: clones share the data, not the ownership
  const trainable = Object.fromEntries(trainableNames.map((n) => [n, tf.clone(all[n]!)]))
  const program = makeTfProgram({
    trainable,
    loss: (params, batch) => {
      const weights: WeightMap = { ...frozen, ...params }
      const prefixKv = mode === "prefix" ? prefixEncoder(cfg, weights) : undefined
      return supervisedLoss(cfg, weights, batch, { trainable: trainableSet, prepared: model.prepared, ...(prefixKv !== undefined ? { prefixKv } : {}) })
    }
  })
  try {
    const params = await program.initial()
    const adam = initAdamWState(params)
    const batch = trainBatch(cfg, s.batch, s.tokens, s.seed + 3)
    const headRows = targetRows(batch.labels)
    const steps: number[] = []
    const grads: number[] = []
    let loss = Number.NaN
    for (let i = 0; i <= s.steps; i++) {
      const t0 = performance.now()
      const r = await program.gradients(batch)
      const t1 = performance.now()
      for (const g of Object.values(r.grads)) for (let j = 0; j < g.length; j++) g[j] = g[j]! / r.count
      adamwStep(params, r.grads, adam, 1e-4)
      program.setTrainable(params)
      const t2 = performance.now()
      loss = r.lossSum / r.count
      if (!Number.isFinite(loss)) throw new Error(`${mode} step ${i}: the loss is ${loss}`)
      // step 0 compiles the pipelines; the upload of step i is waited for by step i + 1's gradients
      if (i > 0) {
        steps.push((t2 - t0) / 1000)
        grads.push((t1 - t0) / 1000)
      }
    }
    const secondsPerStep = median(steps)
    const tokensPerStep = s.batch * s.tokens
    const flop = trainStepFlops(modelSizes(cfg, s.freezeLayers), mode, tokensPerStep, headRows, s.tokens + (mode === "prefix" ? s.preSeqLen : 0))
    return {
      mode,
      tokensPerStep,
      headRows,
      trainableParams: Object.values(params).reduce((n, p) => n + p.length, 0),
      secondsPerStep,
      gradientSeconds: median(grads),
      tokensPerSecond: tokensPerStep / secondsPerStep,
      gflopPerSecond: flop / secondsPerStep / 1e9,
      loss
    }
  } finally {
    program.dispose()
    tf.dispose(Object.values(extra))
  }
}
