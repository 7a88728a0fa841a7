/**
 * Rotary embeddings as `x·C + (x·R)·S`: C/S are per-token cos/sin tables over the head and R a fixed
 * ±1 permutation, so both archs (and their different pairings) share one differentiable op made
 * of elementwise products and a plain 2-D matmul.
 *
 *  glm1: the head is two halves (position, block); within a half of size d, rotate_half pairs
 *        (i, i + d/2); inv_freq = 1/10000^(2i/d) rounded to float16.
 *  glm2: only the first headDim/2 channels rotate, in interleaved pairs (2i, 2i+1); the rest pass.
 */
import * as tf from "@tensorflow/tfjs"
import { floatToHalf, halfToFloat, matMulConstB } from "@zaoji/tensor"
import type { Dims } from "./config.js"

const fround = Math.fround

export const glm1InvFreq = (halfDim: number): Float32Array => {
  const out = new Float32Array(halfDim / 2)
  for (let i = 0; i < out.length; i++) {
    const e = fround(fround(2 * i) / halfDim)
    out[i] = halfToFloat(floatToHalf(fround(1 / fround(Math.pow(10000, e)))))
  }
  return out
}

export const glm2Theta = (rotDim: number): Float32Array => {
  const out = new Float32Array(rotDim / 2)
  for (let i = 0; i < out.length; i++) {
    const e = fround(fround(2 * i) / rotDim)
    out[i] = fround(1 / fround(Math.pow(10000, e)))
  }
  return out
}

/** keys of the (constant) rotation matrix and its transpose in a model's prepared tensors */
export const ROTATION_KEY = "zaoji.rotary.R"
export const ROTATION_T_KEY = "zaoji.rotary.RT"

/** R with x·R = rotated partner (sign included), [hd, hd]. */
export const rotationMatrix = (d: Dims): Float32Array => {
  const hd = d.headDim
  const r = new Float32Array(hd * hd)
  const set = (from: number, to: number, v: number) => {
    r[from * hd + to] = v
  }
  if (d.arch === "glm1") {
    const half = hd / 2
    const q = half / 2
    for (const o of [0, half]) {
      for (let i = 0; i < q; i++) {
        set(o + i + q, o + i, -1) // out[i] = -x[i + q]
        set(o + i, o + i + q, 1) // out[i + q] = x[i]
      }
    }
  } else {
    const rot = hd / 2
    for (let i = 0; i < rot / 2; i++) {
      set(2 * i + 1, 2 * i, -1)
      set(2 * i, 2 * i + 1, 1)
    }
  }
  return r
}

/** cos/sin tables [rows·seq·hd] for per-token position ids (glm1: [pos, block]; glm2: [pos]). */
export const rotaryTables = (d: Dims, positions: ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>): { cos: Float32Array; sin: Float32Array } => {
  const hd = d.headDim
  const b = positions.length
  const s = b > 0 ? positions[0].length : 0
  const cos = new Float32Array(b * s * hd)
  const sin = new Float32Array(b * s * hd)
  if (d.arch === "glm1") {
    const half = hd / 2
    const inv = glm1InvFreq(half)
    const q = half / 2
    for (let r = 0; r < b; r++) {
      for (let t = 0; t < s; t++) {
        const base = (r * s + t) * hd
        const p = positions[r][t]
        for (let h = 0; h < 2; h++) {
          for (let i = 0; i < q; i++) {
            const ang = fround(p[h] * inv[i])
            const c = fround(Math.cos(ang))
            const sn = fround(Math.sin(ang))
            const o = base + h * half
            cos[o + i] = c
            cos[o + i + q] = c
            sin[o + i] = sn
            sin[o + i + q] = sn
          }
        }
      }
    }
  } else {
    const rot = hd / 2
    const theta = glm2Theta(rot)
    for (let r = 0; r < b; r++) {
      for (let t = 0; t < s; t++) {
        const base = (r * s + t) * hd
        const p = positions[r][t][0]
        for (let i = 0; i < theta.length; i++) {
          const ang = fround(p * theta[i])
          const c = fround(Math.cos(ang))
          const sn = fround(Math.sin(ang))
          cos[base + 2 * i] = c
          cos[base + 2 * i + 1] = c
          sin[base + 2 * i] = sn
          sin[base + 2 * i + 1] = sn
        }
        for (let c = rot; c < hd; c++) cos[base + c] = 1
      }
    }
  }
  return { cos, sin }
}

/** Apply rotary to x [b, s, heads, hd] given tables [b, s, 1, hd] and R [hd, hd]. */
export const applyRotary = (x: tf.Tensor4D, cos: tf.Tensor, sin: tf.Tensor, r: tf.Tensor2D, rT: tf.Tensor2D): tf.Tensor4D => {
  const hd = x.shape[3]
  const flat = tf.reshape(x, [-1, hd]) as tf.Tensor2D
  const rotated = tf.reshape(matMulConstB(flat, r, rT), x.shape)
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as tf.Tensor4D
}

