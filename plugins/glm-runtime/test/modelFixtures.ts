/** Access to the golden GLM fixtures for the model tests (through @zaoji/testing only). */
import * as tf from "@tensorflow/tfjs"
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { readSafetensors } from "@zaoji/tensor"
import { sharedPath } from "@zaoji/testing"
import { decodeGlmConfig } from "../src/model/config.js"
import type { GlmConfig } from "../src/model/types.js"
import { toTf } from "../src/weights/tensors.js"

export type Arch = "glm1" | "glm2"
export type WeightSet = "base" | "sharp"

export const caseDir = (arch: Arch, set: WeightSet): string =>
  set === "base" ? sharedPath("golden", arch) : sharedPath("golden", arch, "sharp")

export const readCases = (arch: Arch, set: WeightSet): any =>
  JSON.parse(readFileSync(join(caseDir(arch, set), "cases.json"), "utf8"))

export const readJson = (file: string): any => JSON.parse(readFileSync(file, "utf8"))

export const loadConfig = (arch: Arch, set: WeightSet, rel = "config.json"): GlmConfig => {
  const file = set === "base" ? join(caseDir(arch, set), rel) : join(caseDir(arch, set), "..", rel.replace(/^\.\.\//, ""))
  return decodeGlmConfig(readJson(file), file)
}

export const loadWeights = (arch: Arch, set: WeightSet, rel?: string): Record<string, tf.Tensor> => {
  const cases = readCases(arch, set)
  return toTf(readSafetensors(join(caseDir(arch, set), rel ?? cases.weights)))
}

export const readBin = (arch: Arch, set: WeightSet, ref: { file: string }): Float32Array => {
  const buf = readFileSync(join(caseDir(arch, set), ref.file))
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength))
}

/**
 * max |a − b| and max |ref| over the selected elements. A length mismatch or a value that is not a
 * finite number (on either side) throws: a NaN must not turn into a comparison that passes.
 */
export const compare = (got: ArrayLike<number>, ref: ArrayLike<number>, select?: (i: number) => boolean): { diff: number; scale: number } => {
  if (got.length !== ref.length) throw new Error(`length mismatch: got ${got.length}, reference ${ref.length}`)
  let diff = 0
  let scale = 0
  for (let i = 0; i < ref.length; i++) {
    if (select !== undefined && !select(i)) continue
    if (!Number.isFinite(got[i])) throw new Error(`element ${i}: got ${got[i]}, not a finite number (reference ${ref[i]})`)
    if (!Number.isFinite(ref[i])) throw new Error(`element ${i}: the reference ${ref[i]} is not a finite number`)
    diff = Math.max(diff, Math.abs(got[i] - ref[i]))
    scale = Math.max(scale, Math.abs(ref[i]))
  }
  return { diff, scale }
}

/** the fixtures' logit tolerance: max|a−b| ≤ 1e-5 · max(1, max|ref|) */
export const logitTol = (scale: number): number => 1e-5 * Math.max(1, scale)

export { dirname }

/** mean CE over targets ≠ -100, logits at t predicting labels[t+1] (the reference's convention) */
export const lmLoss = (logits: tf.Tensor3D, labels: ReadonlyArray<ReadonlyArray<number>>): tf.Scalar => {
  const [b, s, V] = logits.shape
  const onehot = new Float32Array(b * (s - 1) * V)
  let n = 0
  labels.forEach((row, r) => {
    for (let t = 0; t < s - 1; t++) {
      const y = row[t + 1]!
      if (y !== -100) {
        onehot[(r * (s - 1) + t) * V + y] = 1
        n++
      }
    }
  })
  const target = tf.tensor3d(onehot, [b, s - 1, V])
  const lp = tf.logSoftmax(tf.slice(logits, [0, 0, 0], [b, s - 1, V]))
  return tf.div(tf.neg(tf.sum(tf.mul(lp, target))), n) as tf.Scalar
}
