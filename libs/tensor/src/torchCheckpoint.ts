/**
 * PyTorch checkpoints as written by `torch.save` since torch 1.6 (`pytorch_model.bin`, its shards
 * and `pytorch_model.bin.index.json`), read without Python and without loading any payload: the
 * result is the same `TensorEntry` map a safetensors header gives, with byte ranges pointing
 * straight into the `.bin`, so `readTensorEntries` reads tensors only when asked.
 *
 * The format is a ZIP archive of stored (uncompressed) members: `<prefix>/data.pkl` (a pickle of
 * the state dict whose tensors refer to storages by persistent id), `<prefix>/data/<key>` (one
 * member per storage, raw bytes) and `<prefix>/byteorder`. Pickles can run arbitrary code, so
 * `data.pkl` goes through a small interpreter that knows only the opcodes and globals a state
 * dict needs; any other global is refused by name, never looked up.
 */
import { dtypeBytes, readShardedEntries, SafetensorsError, withWeightsFile, type TensorEntry } from "./safetensors.js"
import { describe, PickleReader, TensorRef } from "./torchPickle.js"
import { fmtShape, numel } from "./shapes.js"
import { memberData, readAt, readZipDirectory, SIG_LOCAL } from "./zipMembers.js"

const supportedList = Object.keys(dtypeBytes).join("|")

/**
 * Largest `data.pkl` read into memory. ChatGLM-6B's is about 60 KB (a few hundred tensors); a
 * million tensors take some 100 MB. The bound keeps a damaged size field from asking for gigabytes.
 */
export const MAX_PICKLE_BYTES = 256 * 1024 * 1024

/** Strides torch calls contiguous: row-major, except that dimensions of size 1 may have any. */
const isContiguous = (shape: ReadonlyArray<number>, stride: ReadonlyArray<number>): boolean => {
  if (shape.some((d) => d === 0)) return true
  let expect = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expect) return false
    expect *= shape[i]!
  }
  return true
}

const rowMajor = (shape: ReadonlyArray<number>): number[] => {
  const out = new Array<number>(shape.length)
  let s = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s
    s *= shape[i]!
  }
  return out
}

/**
 * Tensor entries of one `torch.save` checkpoint (the zip format of torch ≥ 1.6). Only the ZIP
 * directory and `data.pkl` are read; tensors must be contiguous (as `state_dict()` gives them).
 */
export const readTorchCheckpoint = (file: string): Map<string, TensorEntry> =>
  withWeightsFile(file, (fd, size) => {
    if (size < 4) throw new SafetensorsError("truncated", file, `file is ${size} bytes, too short for a PyTorch checkpoint`)
    const magic = readAt(fd, file, 0, 4, "the file signature")
    if (magic[0] === 0x80) {
      throw new SafetensorsError(
        "format", file,
        "legacy PyTorch checkpoint (a bare pickle, written by torch < 1.6 or with _use_new_zipfile_serialization=False) is not supported: " +
          "re-save with torch ≥ 1.6 (torch.save(torch.load(f), f)) or convert to safetensors"
      )
    }
    if (magic.readUInt32LE(0) !== SIG_LOCAL) {
      throw new SafetensorsError("format", file, "not a PyTorch checkpoint", undefined, "a ZIP archive written by torch.save (bytes 50 4b 03 04)", `bytes ${[...magic].map((x) => x.toString(16).padStart(2, "0")).join(" ")}`)
    }
    const members = readZipDirectory(fd, file, size)
    const first = members.keys().next().value
    // torch names every member `<prefix>/…` after the archive name it was saved with
    const prefix = first === undefined ? "" : first.slice(0, first.indexOf("/") + 1)
    const member = (name: string, tensor?: string): { begin: number; end: number } => {
      const m = members.get(prefix + name)
      if (m === undefined) {
        throw new SafetensorsError("missing", file, `ZIP member ${prefix + name} is missing`, tensor, `a member ${prefix + name}`, `${members.size} other members`)
      }
      return memberData(fd, file, size, m, tensor)
    }
    if (members.has(`${prefix}byteorder`)) {
      const r = member("byteorder")
      // "little" or "big": a larger member is damage, not something to read into memory
      if (r.end - r.begin > 16) throw new SafetensorsError("format", file, `${prefix}byteorder is ${r.end - r.begin} bytes`, undefined, "byteorder \"little\"", `${r.end - r.begin} bytes`)
      const order = readAt(fd, file, r.begin, r.end - r.begin, "the byteorder member").toString("utf8").trim()
      if (order !== "little") throw new SafetensorsError("format", file, "checkpoint was written on a big-endian machine; re-save it on a little-endian one or convert to safetensors", undefined, "byteorder \"little\"", JSON.stringify(order))
    }
    const pkl = member("data.pkl")
    if (pkl.end - pkl.begin > MAX_PICKLE_BYTES) {
      throw new SafetensorsError(
        "format", file, `${prefix}data.pkl is ${pkl.end - pkl.begin} bytes; a state dict's pickle (names, shapes, storage keys) is far smaller`,
        undefined, `at most ${MAX_PICKLE_BYTES} bytes`, `${pkl.end - pkl.begin}`
      )
    }
    const root = new PickleReader(readAt(fd, file, pkl.begin, pkl.end - pkl.begin, "data.pkl"), file, `${prefix}data.pkl`).run()
    if (!(root instanceof Map)) throw new SafetensorsError("format", file, "checkpoint holds no state dict", undefined, "a dict of tensor name → tensor", describe(root))
    const storages = new Map<string, { begin: number; end: number }>()
    const entries = new Map<string, TensorEntry>()
    for (const [name, t] of root) {
      if (typeof name !== "string") throw new SafetensorsError("format", file, `state dict key ${describe(name)} is not a string`)
      if (!(t instanceof TensorRef)) throw new SafetensorsError("unexpected", file, "state dict entry is not a tensor", name, "a tensor", describe(t))
      const st = t.storage
      // torch reads an untyped storage without a separate dtype as bytes
      const dtype = t.dtype !== undefined ? t.dtype.dtype : st.dtype === "untyped" ? "U8" : st.dtype
      if (dtype === undefined || (t.dtype !== undefined && st.dtype !== "untyped" && st.dtype !== dtype)) {
        throw new SafetensorsError("dtype", file, "unsupported tensor type", name, supportedList, t.dtype?.name ?? st.typeName)
      }
      if (!isContiguous(t.shape, t.stride)) {
        throw new SafetensorsError(
          "layout", file, `tensor of shape ${fmtShape(t.shape)} is not contiguous (a transposed or strided view); save it with .contiguous()`,
          name, `strides ${fmtShape(rowMajor(t.shape))}`, `strides ${fmtShape(t.stride)}`
        )
      }
      let data = storages.get(st.key)
      if (data === undefined) {
        data = member(`data/${st.key}`, name)
        storages.set(st.key, data)
      }
      const elem = dtypeBytes[dtype]
      const storageBytes = st.dtype === "untyped" ? st.numel : st.numel * elem
      if (data.end - data.begin !== storageBytes) {
        throw new SafetensorsError("size", file, `storage ${st.key} (${st.typeName}, ${st.numel} elements) does not match its ZIP member`, name, `${storageBytes} bytes`, `${data.end - data.begin}`)
      }
      const n = numel(t.shape)
      const begin = data.begin + t.offset * elem
      const end = begin + n * elem
      if (end > data.end) {
        throw new SafetensorsError(
          "layout", file, `view of ${n} elements at offset ${t.offset} reaches past its storage ${st.key}`, name,
          `at most ${storageBytes / elem} elements`, `${t.offset + n}`
        )
      }
      entries.set(name, { name, dtype, shape: [...t.shape], begin, end, file })
    }
    return entries
  })

/** Tensor entries of a sharded checkpoint from its `pytorch_model.bin.index.json`. */
export const readTorchShardedEntries = (indexFile: string): Map<string, TensorEntry> =>
  readShardedEntries(indexFile, readTorchCheckpoint)
