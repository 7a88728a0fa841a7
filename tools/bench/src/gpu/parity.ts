/**
 * The golden parity on the adapter in use: the fixtures of the golden folder (an independent
 * PyTorch GLM checked against the official modeling code), glm1 and glm2, base and sharp weight
 * sets — forward logits of every case, cached greedy decoding (ids exact, step logits within
 * tolerance), P-Tuning v2 prefixes with and without projection, and the training loss and
 * gradients of the P-Tuning v2 and freeze cases through the same loss function the training steps
 * of the benchmark use. Tolerances are the fixtures' (logits: 1e-5 · max(1, max|ref|)).
 *
 * It runs where no test runner exists (the GPU host), so each check returns a row instead of
 * asserting; a NaN, an infinity or a length mismatch is a failed row, never a pass.
 */
import * as tf from "@tensorflow/tfjs"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { createModel, decodeGlmConfig, forward, greedyWithLogits, prefixEncoder, toTf, type GlmConfig } from "@zaoji/glm-runtime"
import { readSafetensors } from "@zaoji/tensor"
import { targetLoss } from "./zaojiSide.js"

export interface ParityRow {
  readonly check: string
  readonly ok: boolean
  /** max |got − ref| (or the relative error, for losses and norms) */
  readonly error: number
  readonly tolerance: number
  readonly note?: string
}

export interface ParityResult {
  readonly rows: ReadonlyArray<ParityRow>
  readonly passed: number
  readonly failed: number
  readonly seconds: number
  /** why no parity ran (no golden folder in the pack) */
  readonly skipped?: string
}

/** Run every golden case found under `goldenDir` (its `glm1/` and `glm2/` folders). */
export const runGoldenParity = async (goldenDir: string, log: (line: string) => void = () => {}): Promise<ParityResult> => {
  const t0 = performance.now()
  if (!existsSync(join(goldenDir, "glm1", "cases.json"))) return { rows: [], passed: 0, failed: 0, seconds: 0, skipped: `no golden fixtures under ${goldenDir}` }
  const rows: ParityRow[] = []
  const add = (r: ParityRow) => {
    rows.push(r)
    if (!r.ok) log(`  parity FAILED: ${r.check}: error ${r.error.toExponential(2)} > ${r.tolerance.toExponential(2)}${r.note !== undefined ? ` (${r.note})` : ""}`)
  }
  for (const arch of ["glm1", "glm2"] as const) {
    for (const set of ["base", "sharp"] as const) {
      const dir = set === "base" ? join(goldenDir, arch) : join(goldenDir, arch, "sharp")
      if (!existsSync(join(dir, "cases.json"))) continue
      await checkSet(arch, set, dir, add).catch((e: unknown) =>
        add({ check: `${arch} ${set}`, ok: false, error: Number.POSITIVE_INFINITY, tolerance: 0, note: e instanceof Error ? e.message : String(e) })
      )
      log(`  parity ${arch} ${set}: ${rows.filter((r) => r.ok).length}/${rows.length} checks passed so far`)
    }
  }
  const failed = rows.filter((r) => !r.ok).length
  return { rows, passed: rows.length - failed, failed, seconds: (performance.now() - t0) / 1000 }
}

// internal

type Add = (row: ParityRow) => void

const json = (file: string): any => JSON.parse(readFileSync(file, "utf8"))

const bin = (dir: string, ref: { file: string }): Float32Array => {
  const buf = readFileSync(join(dir, ref.file))
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
}

/** max |a − b| and max |ref|; non-finite values and length mismatches make the error infinite */
const compare = (got: ArrayLike<number>, ref: ArrayLike<number>): { diff: number; scale: number; note?: string } => {
  if (got.length !== ref.length) return { diff: Number.POSITIVE_INFINITY, scale: 0, note: `length ${got.length}, reference ${ref.length}` }
  let diff = 0
  let scale = 0
  for (let i = 0; i < ref.length; i++) {
    if (!Number.isFinite(got[i]!) || !Number.isFinite(ref[i]!)) return { diff: Number.POSITIVE_INFINITY, scale, note: `element ${i}: ${got[i]} vs ${ref[i]}` }
    diff = Math.max(diff, Math.abs(got[i]! - ref[i]!))
    scale = Math.max(scale, Math.abs(ref[i]!))
  }
  return { diff, scale }
}

const logitRow = (check: string, got: ArrayLike<number>, ref: ArrayLike<number>): ParityRow => {
  const { diff, scale, note } = compare(got, ref)
  const tolerance = 1e-5 * Math.max(1, scale)
  return { check, ok: diff <= tolerance, error: diff, tolerance, ...(note !== undefined ? { note } : {}) }
}

const relRow = (check: string, got: number, ref: number, rtol: number): ParityRow => {
  const error = Number.isFinite(got) ? Math.abs(got - ref) / Math.max(Math.abs(ref), 1e-30) : Number.POSITIVE_INFINITY
  return { check, ok: error <= rtol, error, tolerance: rtol }
}

const flat = (rows: ReadonlyArray<Float32Array>): Float32Array => {
  const out = new Float32Array(rows.reduce((n, r) => n + r.length, 0))
  let at = 0
  for (const r of rows) (out.set(r, at), (at += r.length))
  return out
}

const loadWeights = (file: string): Record<string, tf.Tensor> => toTf(readSafetensors(file))

const checkSet = async (arch: string, set: string, dir: string, add: Add): Promise<void> => {
  const cases = json(join(dir, "cases.json"))
  const cfgFile = (rel: string) => (set === "base" ? join(dir, rel) : join(dir, "..", rel.replace(/^\.\.\//, "")))
  const config = (rel: string): GlmConfig => decodeGlmConfig(json(cfgFile(rel)), cfgFile(rel))
  const cfg = config("config.json")
  const base = loadWeights(join(dir, cases.weights))
  const label = `${arch} ${set}`
  try {
    for (const c of cases.forward) {
      const out = forward(cfg, base, { inputIds: c.input_ids })
      const sel = c.logits_positions ? tf.tidy(() => out.logits!.slice([0, c.logits_positions[0], 0], [1, c.logits_positions.length, -1])) : out.logits!
      const got = await sel.data()
      tf.dispose([out.logits!, sel])
      add(logitRow(`${label} forward ${c.name}`, got, bin(dir, c.logits)))
    }
    const model = createModel(cfg, base, { prepare: true })
    for (const g of cases.generate) {
      const r = await greedyWithLogits(model, g.prompt, g.generated.length)
      const same = r.tokens.length === g.generated.length && r.tokens.every((t: number, i: number) => t === g.generated[i])
      add({ check: `${label} greedy ${g.name} ids`, ok: same, error: same ? 0 : 1, tolerance: 0, ...(same ? {} : { note: `got ${r.tokens.join(",")}, expected ${g.generated.join(",")}` }) })
      add(logitRow(`${label} greedy ${g.name} step logits`, flat(r.stepLogits), bin(dir, g.step_logits)))
    }
    // the prepared copies only: the weights stay in use below
    for (const t of model.prepared.values()) t.dispose()
    for (const p of cases.prefix ?? []) {
      const pcfg = config(p.config)
      const pw = loadWeights(join(dir, p.prefix_weights))
      const kv = prefixEncoder(pcfg, pw)
      if (p.prefix_kv !== undefined) add(logitRow(`${label} ${p.name} prefix key/values`, await kv.data(), bin(dir, p.prefix_kv)))
      for (const c of p.forward) {
        const out = forward(pcfg, base, { inputIds: c.input_ids, prefixKv: kv })
        add(logitRow(`${label} ${p.name} forward ${c.name}`, await out.logits!.data(), bin(dir, c.logits)))
        out.logits!.dispose()
      }
      kv.dispose()
      tf.dispose(Object.values(pw))
    }
    if (cases.train !== undefined) await checkTraining(label, dir, cases.train, config, base, add)
  } finally {
    tf.dispose(Object.values(base))
  }
}

/** Loss and gradients of the P-Tuning v2 (no projection) and freeze cases through `targetLoss`. */
const checkTraining = async (label: string, dir: string, train: any, config: (rel: string) => GlmConfig, base: Record<string, tf.Tensor>, add: Add): Promise<void> => {
  const batch = { inputIds: train.input_ids, labels: train.labels }
  const runs: Array<{ name: string; cfg: GlmConfig; extra: Record<string, tf.Tensor>; ref: any }> = []
  if (train.prefix_noproj !== undefined) {
    runs.push({ name: "P-Tuning v2", cfg: config("config_prefix_noproj.json"), extra: loadWeights(join(dir, dir.endsWith("sharp") ? "../prefix_noproj.safetensors" : "prefix_noproj.safetensors")), ref: train.prefix_noproj })
  }
  if (train.freeze_last2 !== undefined) runs.push({ name: "freeze", cfg: config("config.json"), extra: {}, ref: train.freeze_last2 })
  for (const r of runs) {
    const names: string[] = r.ref.trainable
    const weights = { ...base, ...r.extra }
    const trainable = new Set(names)
    const hasPrefix = names.some((n) => n.includes("prefix_encoder"))
    let count = 0
    const f = tf.valueAndGrads((...xs: tf.Tensor[]) => {
      const w = { ...weights }
      names.forEach((n, i) => (w[n] = xs[i]!))
      const prefixKv = hasPrefix ? prefixEncoder(r.cfg, w) : undefined
      const out = targetLoss(r.cfg, w, batch, { trainable, ...(prefixKv !== undefined ? { prefixKv } : {}) })
      count = out.count
      return out.loss
    })
    const { value, grads } = f(names.map((n) => weights[n]!))
    const [lossSum] = await value.data()
    add(relRow(`${label} ${r.name} loss`, lossSum! / count, r.ref.loss, 1e-5))
    const refGrads = r.ref.grads !== undefined ? readSafetensors(join(dir, r.ref.grads)) : undefined
    let total = 0
    for (let i = 0; i < names.length; i++) {
      const g = (await grads[i]!.data()) as Float32Array
      let sq = 0
      for (let j = 0; j < g.length; j++) sq += (g[j]! / count) ** 2
      total += sq
      const ref = refGrads?.get(names[i]!)
      if (ref !== undefined) {
        const mean = g.map((x) => x / count)
        const { diff, scale, note } = compare(mean, ref.data)
        add({ check: `${label} ${r.name} gradient of ${names[i]}`, ok: diff <= 1e-4 * scale, error: diff, tolerance: 1e-4 * scale, ...(note !== undefined ? { note } : {}) })
      }
    }
    add(relRow(`${label} ${r.name} total gradient norm`, Math.sqrt(total), r.ref.grad_norm_total, 1e-4))
    value.dispose()
    tf.dispose(grads)
    tf.dispose(Object.values(r.extra))
  }
}
