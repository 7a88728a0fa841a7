/**
 * The gradient cases of the real-width suite (model.realwidth.test.ts): freeze tuning of the last
 * layer and a P-Tuning v2 prefix, computed here and returned as plain numbers and arrays so the suite
 * can check them against the PyTorch reference. On the cpu backend one of these computations is a
 * single synchronous tfjs call of about 90 s, longer than vitest lets a worker block, so the suite
 * runs them in a child process (`gradientsOn` through runInChild); on webgpu it calls them in-process.
 */
import * as tf from "@tensorflow/tfjs"
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { readSafetensors, rowShardBase, useBackend, type BackendName, type HostTensor } from "@zaoji/tensor"
import { decodeGlmConfig } from "../src/model/config.js"
import { forward } from "../src/model/forward.js"
import { createModel } from "../src/model/model.js"
import { prefixEncoder } from "../src/model/prefix.js"
import { syntheticRows, syntheticShapes, syntheticWeights } from "../src/model/synthetic.js"
import type { GlmConfig, GlmModel, WeightMap } from "../src/model/types.js"
import { lmLoss } from "./modelFixtures.js"

export type Arch = "glm1" | "glm2"
export type GradientCase = "freeze" | "prefix"

/** a loss, the gradient norms by tensor name and the leading block of each gradient (the reference's shape) */
export interface GradientResult {
  readonly loss: number
  readonly norms: Readonly<Record<string, number>>
  readonly slices: Readonly<Record<string, Float32Array>>
}

export interface RealWidthFixture {
  readonly fx: any
  readonly ref: Map<string, HostTensor>
  readonly cfg: GlmConfig
  /** the name prefix of the last layer's tensors */
  readonly last: string
}

export const PREFIX = "transformer.prefix_encoder.embedding.weight"

export const realWidthFixture = (arch: Arch): RealWidthFixture => {
  const fx = JSON.parse(readFileSync(join(dir, `${arch}.json`), "utf8"))
  return {
    fx,
    ref: readSafetensors(join(dir, `${arch}.safetensors`)),
    cfg: decodeGlmConfig({ ...fx.config, zaoji_arch: arch }, `${arch}.json`),
    last: arch === "glm1" ? "transformer.layers.1." : "transformer.encoder.layers.1."
  }
}

/** the model the reference used: the shared counter-hash weights at the fixture's seed */
export const realWidthModel = (f: RealWidthFixture): GlmModel => createModel(f.cfg, syntheticWeights(f.cfg, { seed: f.fx.seed }), { prepare: false })

/** Freeze tuning of the last layer: loss, per-tensor gradient norms and slices. */
export const freezeGradients = async (f: RealWidthFixture, model: GlmModel): Promise<GradientResult> => {
  const { cfg, fx, ref, last } = f
  const tr = fx.train
  const keys = Object.keys(model.weights).filter((k) => k.startsWith(last))
  const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
    const wm: Record<string, tf.Tensor> = { ...model.weights }
    keys.forEach((k, i) => (wm[k] = xs[i]!))
    return tf.tidy(() => lmLoss(forward(cfg, wm as WeightMap, { inputIds: tr.input_ids }, { trainable: new Set(keys), prepared: model.prepared }).logits!, tr.labels))
  })(keys.map((k) => model.weights[k]!))
  // a row-sharded weight's gradient comes per shard: norms add up in squares, slices are in shard 0
  const sq: Record<string, number> = {}
  const first = new Map<string, tf.Tensor>()
  for (let i = 0; i < keys.length; i++) {
    const name = rowShardBase(keys[i]!) ?? keys[i]!
    sq[name] = (sq[name] ?? 0) + (await sumSq(grads[i]!))
    if (!first.has(name) || keys[i]!.endsWith("#rows0")) first.set(name, grads[i]!)
  }
  const slices: Record<string, Float32Array> = {}
  for (const [name, g] of first) {
    const want = ref.get(`grad:${name}`)
    if (want === undefined) continue // the suite reports the missing name
    const data = await read(g)
    slices[name] = g.rank === 2 ? block(data, g.shape[1]!, want.shape[0]!, want.shape[1]!) : data.slice(0, want.shape[0]!)
  }
  const loss = (await value.data())[0]!
  tf.dispose([value, ...grads])
  return { loss, norms: Object.fromEntries(Object.entries(sq).map(([k, v]) => [k, Math.sqrt(v)])), slices }
}

/** A P-Tuning v2 prefix without projection: loss, gradient norm and slice of the prefix embedding. */
export const prefixGradients = async (f: RealWidthFixture, model: GlmModel): Promise<GradientResult> => {
  const { cfg, fx, ref } = f
  const tr = fx.train
  const pcfg: GlmConfig = { ...cfg, pre_seq_len: tr.prefix_noproj.pre_seq_len }
  const shape = syntheticShapes(pcfg, { prefix: true })[PREFIX]!
  const emb = tf.tensor(syntheticRows(PREFIX, shape, fx.seed), [...shape])
  const { value, grads } = tf.valueAndGrads((e: tf.Tensor) =>
    tf.tidy(() => {
      const kv = prefixEncoder(pcfg, { [PREFIX]: e })
      return lmLoss(forward(pcfg, model.weights, { inputIds: tr.input_ids, prefixKv: kv }, { trainable: new Set(), prepared: model.prepared }).logits!, tr.labels)
    })
  )([emb])
  const want = ref.get(`grad:${PREFIX}`)!
  const result: GradientResult = {
    loss: (await value.data())[0]!,
    norms: { [PREFIX]: Math.sqrt(await sumSq(grads[0]!)) },
    slices: { [PREFIX]: block(await read(grads[0]!), shape[1]!, want.shape[0]!, want.shape[1]!) }
  }
  tf.dispose([value, ...grads, emb])
  return result
}

/** The child-process entry (runInChild): the cases asked for on `backend`, with one model of their own. */
export const gradientsOn = async (backend: BackendName, arch: Arch, cases: ReadonlyArray<GradientCase>): Promise<Partial<Record<GradientCase, GradientResult>>> => {
  await useBackend(backend)
  const f = realWidthFixture(arch)
  const model = realWidthModel(f)
  try {
    const out: Partial<Record<GradientCase, GradientResult>> = {}
    for (const which of cases) out[which] = await (which === "freeze" ? freezeGradients(f, model) : prefixGradients(f, model))
    return out
  } finally {
    model.dispose()
  }
}

// internal

const dir = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "realwidth")

const read = async (t: tf.Tensor): Promise<Float32Array> => (await t.data()) as Float32Array

const sumSq = async (t: tf.Tensor): Promise<number> => {
  const s = tf.tidy(() => tf.sum(tf.square(t)))
  const v = (await s.data())[0]!
  s.dispose()
  return v
}

/** the leading [rows, cols] block of a [R, C] row-major array */
const block = (data: Float32Array, cols: number, rows: number, take: number): Float32Array => {
  const out = new Float32Array(rows * take)
  for (let r = 0; r < rows; r++) out.set(data.subarray(r * cols, r * cols + take), r * take)
  return out
}
