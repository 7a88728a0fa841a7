"""Counter-hash synthetic weights, bit-identical to plugins/glm-runtime/src/model/synthetic.ts.

Real-width models (hidden 4096, ffn 16384) are 1.6 GB of float32 for two layers: too large to keep
in the repository, cheap to regenerate. Every element is a pure function of (seed, tensor name,
flat index), so Python and TypeScript make the same bits without sharing a random stream, and a
row range can be made alone (the runtime streams row shards of huge tensors this way).

    h   = fmix32(index * 0x9E3779B1 + fnv1a32(f"{seed}:{name}"))       (all mod 2**32)
    q24 = (h >> 8) - 2**23                 uniform integer in [-2**23, 2**23)
    norm weights ("layernorm" ... "weight"): 1 + ((h >> 20) - 2048) * 2**-14    in [7/8, 9/8)
    other tensors:                           q24 * 2**-23 * scale               in [-scale, scale)
    scale: embeddings and the P-Tuning prefix 1; biases 1/64; a linear weight [out, in] the power
           of two nearest to sqrt(3 / in) (std about 1/sqrt(in): activations stay of order 1)

Every value is exactly representable in float32 (at most 24 significant bits times a power of two),
so no rounding can differ between the two languages.
"""

import math

import numpy as np

_M32 = np.uint64(0xFFFFFFFF)


def fnv1a32(text: str) -> int:
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def _fmix(idx: np.ndarray, seed: int) -> np.ndarray:
    # uint32 arithmetic wraps mod 2**32 as JavaScript's Math.imul / >>> 0 do
    with np.errstate(over="ignore"):
        h = idx.astype(np.uint32) * np.uint32(0x9E3779B1) + np.uint32(seed)
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
    return h


def is_norm_weight(name: str) -> bool:
    return "layernorm" in name and name.endswith("weight")


def scale_of(name: str, shape) -> float:
    if "word_embeddings" in name or name.startswith("transformer.prefix_encoder.embedding"):
        return 1.0
    if name.endswith("bias") or len(shape) < 2:
        return 1.0 / 64
    fan_in = shape[-1]
    return 2.0 ** round(math.log2(math.sqrt(3.0 / fan_in)))


def synthetic_rows(name: str, shape, seed: int, row_start: int = 0, row_count=None) -> np.ndarray:
    """Rows [row_start, row_start + row_count) of the tensor (all of it by default), float32."""
    shape = list(shape)
    row_len = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    rows = shape[0] if shape else 1
    if row_count is None:
        row_count = rows - row_start
    n = row_count * row_len
    assert rows * row_len < 2**32, "element index must fit 32 bits"
    s = fnv1a32(f"{seed}:{name}")
    out = np.empty(n, dtype=np.float32)
    chunk = 1 << 24  # bounded temporaries
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        idx = np.arange(row_start * row_len + a, row_start * row_len + b, dtype=np.uint64)
        h = _fmix(idx, s)
        if is_norm_weight(name):
            q = (h >> np.uint32(20)).astype(np.int32) - 2048
            out[a:b] = (1.0 + q.astype(np.float64) * 2.0**-14).astype(np.float32)
        else:
            q = (h >> np.uint32(8)).astype(np.int64) - 2**23
            out[a:b] = (q.astype(np.float64) * (2.0**-23 * scale_of(name, shape))).astype(np.float32)
    return out.reshape([row_count] + shape[1:]) if len(shape) > 1 else out


def synthetic_tensor(name: str, shape, seed: int) -> np.ndarray:
    return synthetic_rows(name, shape, seed)
