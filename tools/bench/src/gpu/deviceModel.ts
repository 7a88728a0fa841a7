/**
 * A randomly initialised glm2 (ChatGLM2/3-6B-shaped) model made directly in device memory, and the
 * device's peak memory while it works.
 *
 * The weights never exist on the host: each tensor is computed on the device from two small index
 * vectors (its row and column numbers) with a shader-style hash, `fract(sin(r·a + c·b + seed)·k)`,
 * mapped to a uniform distribution with the standard deviation 0.02 of the official
 * initialisation. tfjs's own `randomNormal` draws on the host and uploads, which for 6.2 B values
 * would take minutes of JavaScript and a host copy of every tensor. A matrix larger than the
 * adapter's binding limit is made as row shards (`name#rows<k>`, which the forward reads as one
 * matrix): glm2-6B's embedding and head are 1.07 GB each.
 */
import * as tf from "@tensorflow/tfjs"
import { baseWeightShapes, decodeGlmConfig, prefixWeightShapes, presetConfig, type GlmConfig, type WeightMap } from "@zaoji/glm-runtime"
import { maxBindingBytes, rowShardKey, rowsPerShardFor } from "@zaoji/tensor"
import type { GpuBenchShape } from "./settings.js"

/** The glm2 config of a bench shape (special ids at the top of the vocabulary, as the small presets). */
export const gpuBenchConfig = (s: GpuBenchShape, preSeqLen: number | null = null): GlmConfig => {
  const base = presetConfig("micro", { arch: "glm2" })
  if (base.zaoji_arch !== "glm2") throw new Error("unreachable: the micro glm2 preset")
  const V = s.vocab
  return decodeGlmConfig(
    {
      ...base,
      padded_vocab_size: V,
      hidden_size: s.hidden,
      num_attention_heads: s.heads,
      kv_channels: s.hidden / s.heads,
      num_layers: s.layers,
      ffn_hidden_size: s.ffn,
      multi_query_group_num: s.kvGroups,
      seq_length: Math.max(2048, s.promptTokens + s.decodeTokens + 8, s.tokens + s.preSeqLen),
      mask_token_id: V - 12,
      gmask_token_id: V - 11,
      smask_token_id: V - 10,
      sop_token_id: V - 9,
      eop_token_id: V - 8,
      system_token_id: V - 7,
      user_token_id: V - 6,
      assistant_token_id: V - 5,
      observation_token_id: V - 4,
      pre_seq_len: preSeqLen,
      prefix_projection: false
    },
    "gpu bench shape"
  )
}

/** Official initialisation's standard deviation. */
export const INIT_STD = 0.02

/**
 * Every base tensor of `cfg` (and the prefix encoder with `prefix`), made on the current backend:
 * norm weights 1, biases 0, the rest uniform with standard deviation 0.02 (`only`: just these names).
 */
export const deviceWeights = (cfg: GlmConfig, seed: number, options: { readonly prefix?: boolean; readonly only?: ReadonlyArray<string> } = {}): Record<string, tf.Tensor> => {
  const every = { ...baseWeightShapes(cfg), ...(options.prefix === true ? prefixWeightShapes(cfg) : {}) }
  const unknown = (options.only ?? []).filter((n) => every[n] === undefined)
  if (unknown.length > 0) throw new Error(`deviceWeights: ${unknown.join(", ")} is not a tensor of this config`)
  const shapes = options.only === undefined ? every : Object.fromEntries(options.only.map((n) => [n, every[n]!]))
  const limit = maxBindingBytes()
  const out: Record<string, tf.Tensor> = {}
  try {
    Object.keys(shapes)
      .sort()
      .forEach((name, i) => {
        const shape = [...shapes[name]!]
        const isNorm = name.includes("layernorm") || name.includes("final_layernorm")
        if (isNorm && name.endsWith("weight")) out[name] = tf.ones(shape)
        else if (name.endsWith("bias")) out[name] = tf.zeros(shape)
        else if (shape.reduce((a, b) => a * b, 1) * 4 > limit) {
          if (shape.length !== 2) throw new Error(`${name} [${shape.join(", ")}] is above this adapter's binding limit of ${limit} bytes and is not a matrix`)
          const [rows, cols] = shape as [number, number]
          const per = rowsPerShardFor([rows, cols], limit)
          for (let start = 0, k = 0; start < rows; start += per, k++) out[rowShardKey(name, k)] = hashUniform(Math.min(per, rows - start), cols, seed * 7919 + i, start)
        } else {
          const [rows, cols] = shape.length === 2 ? (shape as [number, number]) : [1, shape[0]!]
          out[name] = tf.tidy(() => tf.reshape(hashUniform(rows, cols, seed * 7919 + i, 0), shape))
        }
      })
  } catch (e) {
    tf.dispose(Object.values(out))
    throw e
  }
  return out
}

/** Bytes the weights take on the device. */
export const weightBytes = (w: WeightMap): number => Object.values(w).reduce((n, t) => n + t.size * 4, 0)

/**
 * Peak device memory: the webgpu backend's buffer manager counts the bytes of every GPU buffer it
 * holds (tensors and its pool of free buffers); the peak is taken at every allocation. On other
 * backends tfjs's byte count of live tensors is sampled at `sample()`.
 */
export const trackDeviceMemory = () => {
  const backend = tf.backend() as unknown as { bufferManager?: { numBytesAllocated: number; acquireBuffer: (...a: unknown[]) => unknown } }
  const bm = backend.bufferManager
  let peak = currentBytes()
  if (bm !== undefined) {
    const original = bm.acquireBuffer
    bm.acquireBuffer = function (this: unknown, ...a: unknown[]) {
      const r = original.apply(this, a)
      peak = Math.max(peak, bm.numBytesAllocated)
      return r
    }
  }
  return {
    /** the peak since the last reset, in bytes */
    peak: (): number => Math.max(peak, currentBytes()),
    sample: (): void => {
      peak = Math.max(peak, currentBytes())
    },
    reset: (): void => {
      peak = currentBytes()
    },
    source: bm !== undefined ? "webgpu buffer manager (bytes of GPU buffers held, free pool included), peak over allocations" : `${tf.getBackend()} backend: bytes of live tensors, sampled`
  }
}

// internal

const currentBytes = (): number => {
  const m = tf.memory() as { numBytes: number; numBytesAllocatedInGPU?: number }
  return m.numBytesAllocatedInGPU ?? m.numBytes
}

/** uniform(−a, a) with a = 0.02·√3 (standard deviation 0.02) from a hash of (row + rowOffset, column, seed) */
const hashUniform = (rows: number, cols: number, seed: number, rowOffset: number): tf.Tensor2D =>
  tf.tidy(() => {
    // indices stay below 2^24 (exact in float32): rows and columns are hashed apart, not flattened
    const r = tf.reshape(tf.range(rowOffset, rowOffset + rows, 1, "float32"), [rows, 1])
    const c = tf.reshape(tf.range(0, cols, 1, "float32"), [1, cols])
    const phase = tf.add(tf.add(tf.mul(tf.mod(r, 4099), 12.9898), tf.mul(tf.mod(c, 4093), 78.233)), ((seed % 1000) + 1) * 0.6180339)
    const h = tf.mul(tf.sin(phase), 43758.5453)
    const u = tf.sub(h, tf.floor(h))
    const a = INIT_STD * Math.sqrt(3)
    return tf.sub(tf.mul(u, 2 * a), a) as tf.Tensor2D
  })
