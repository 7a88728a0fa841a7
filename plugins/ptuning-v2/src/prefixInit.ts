/**
 * A P-Tuning v2 prefix (no projection) initialised from the base model's own attention keys and
 * values of real tokens, instead of the official N(0, 1) embedding.
 *
 * Why: a prefix only reaches the loss through attention, and a key gets attention in proportion to
 * exp(q·k/√hd). A base trained from scratch for a few hundred steps already attends with logits of
 * 10–70 between real tokens, while an N(0, 1) key gives logits of about ±|q|/√hd ≈ ±1: the prefix's
 * share of the softmax is ~e⁻¹⁰ or less, so its gradient is too (below AdamW's ε once the base is
 * trained longer), the prefix never moves and the tuned model computes what the base computes.
 * Keys and values copied from the base's own activations have the scale and directions the base's
 * queries respond to, so the prefix starts inside the attention and receives gradient. (Prefix-tuning,
 * Li & Liang 2021, §7.2, found initialising from real words' activations better than random too.)
 *
 * The tokens are the first `preSeqLen` positions of the given examples, in order (the training
 * examples: in-distribution text), each example run alone through the base with its own layout;
 * keys carry the rotary embedding of their position (prefix keys are used as stored).
 */
import * as tf from "@tensorflow/tfjs"
import { dimsOf, disposeCache, forward, loadModelFolder, type GlmConfig, type WeightMap } from "@zaoji/glm-runtime"

export interface PrefixSource {
  readonly inputIds: ReadonlyArray<number>
}

/**
 * The prefix-encoder embedding `[preSeqLen, 2·layers·kvHeads·hd]` (layout: layer, key|value, kv
 * head, channel — the official `past_key_values` order) holding the keys and values the base `cfg`
 * / `weights` computes for the first `preSeqLen` token positions of `sources`.
 */
export const prefixFromActivations = async (
  cfg: GlmConfig,
  weights: WeightMap,
  sources: ReadonlyArray<PrefixSource>,
  preSeqLen: number
): Promise<Float32Array> => {
  const d = dimsOf(cfg)
  const width = d.kvHeads * d.headDim
  const kvSize = 2 * d.layers * width
  const out = new Float32Array(preSeqLen * kvSize)
  if (!sources.some((s) => s.inputIds.length > 0)) throw new Error("no example tokens to initialise the prefix from")
  let filled = 0
  // fewer positions than pre_seq_len in all the examples together: go round them again
  for (let i = 0; filled < preSeqLen; i++) {
    const src = sources[i % sources.length]!
    if (src.inputIds.length === 0) continue
    const take = Math.min(preSeqLen - filled, src.inputIds.length)
    const r = forward(cfg, weights, { inputIds: [[...src.inputIds]], padLeft: [0] }, { logits: "none", cache: true })
    try {
      for (let l = 0; l < d.layers; l++) {
        const layer = r.cache!.layers[l]!
        // [1, kvHeads, T, hd] → [T, kvHeads·hd] for the first `take` positions
        const rows = tf.tidy(() =>
          [layer.k, layer.v].map((t) => tf.reshape(tf.transpose(tf.slice(t, [0, 0, 0, 0], [1, d.kvHeads, take, d.headDim]), [0, 2, 1, 3]), [take, width]))
        )
        try {
          const [k, v] = (await Promise.all(rows.map((t) => t.data()))) as Float32Array[]
          for (let p = 0; p < take; p++) {
            const row = (filled + p) * kvSize
            out.set(k!.subarray(p * width, (p + 1) * width), row + 2 * l * width)
            out.set(v!.subarray(p * width, (p + 1) * width), row + (2 * l + 1) * width)
          }
        } finally {
          tf.dispose(rows)
        }
      }
    } finally {
      disposeCache(r.cache)
    }
    filled += take
  }
  return out
}

/**
 * `prefixFromActivations` for a model folder: loads it (base plus any delta adapter it carries),
 * computes the prefix and frees the weights again before training loads its own copy.
 */
export const prefixFromModelFolder = async (
  modelDir: string,
  sources: ReadonlyArray<PrefixSource>,
  preSeqLen: number
): Promise<Float32Array> => {
  const loaded = loadModelFolder(modelDir, { prepare: false })
  try {
    return await prefixFromActivations(loaded.model.config, loaded.model.weights, sources, preSeqLen)
  } finally {
    loaded.model.dispose()
  }
}
