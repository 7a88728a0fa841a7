/**
 * A replacement for the WASM backend's `Slice` kernel.
 *
 * tfjs-backend-wasm 4.22's `Slice` starts with `backend.readSync(x)`, which copies the *whole*
 * input out of the WASM heap, so cutting a tensor into n pieces costs n full copies (taking 64
 * head slices of a [64, 128, 128] tensor spent ~150 ms copying 256 MiB). This kernel reads the
 * input in place through a heap view, so a slice costs only what it copies. Same results.
 */
import * as tf from "@tensorflow/tfjs"

interface WasmTensorInfo {
  readonly dataId: object
  readonly shape: number[]
  readonly dtype: tf.DataType
}

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): WasmTensorInfo
  typedArrayFromHeap(t: WasmTensorInfo): Float32Array | Int32Array | Uint8Array
}

const strides = (shape: ReadonlyArray<number>): number[] => {
  const out = new Array<number>(shape.length).fill(1)
  for (let i = shape.length - 2; i >= 0; i--) out[i] = out[i + 1]! * shape[i + 1]!
  return out
}

/** Copy the box `begin`/`size` of `x` (row-major, `shape`) into `out`, one innermost run at a time. */
const copyBox = (
  x: Float32Array | Int32Array | Uint8Array,
  shape: ReadonlyArray<number>,
  begin: ReadonlyArray<number>,
  size: ReadonlyArray<number>,
  out: Float32Array | Int32Array | Uint8Array
): void => {
  const rank = shape.length
  const st = strides(shape)
  // trailing axes taken whole form one contiguous run
  let inner = rank - 1
  while (inner > 0 && begin[inner] === 0 && size[inner] === shape[inner]) inner--
  const run = size.slice(inner).reduce((a, b) => a * b, 1)
  const idx = begin.slice(0, inner)
  const total = size.slice(0, inner).reduce((a, b) => a * b, 1)
  let outOffset = 0
  for (let n = 0; n < total; n++) {
    let offset = begin[inner]! * st[inner]!
    for (let a = 0; a < inner; a++) offset += idx[a]! * st[a]!
    out.set(x.subarray(offset, offset + run), outOffset)
    outOffset += run
    // odometer over the outer axes
    for (let a = inner - 1; a >= 0; a--) {
      idx[a]!++
      if (idx[a]! < begin[a]! + size[a]!) break
      idx[a] = begin[a]!
    }
  }
}

let installed = false

/** Register the in-place `Slice` for the WASM backend (idempotent; call after the backend loads). */
export const installWasmSlice = (): void => {
  if (installed) return
  const original = tf.getKernel("Slice", "wasm")
  if (original === undefined) return
  installed = true
  tf.unregisterKernel("Slice", "wasm")
  tf.registerKernel({
    kernelName: "Slice",
    backendName: "wasm",
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => {
      const x = args.inputs.x as unknown as WasmTensorInfo
      if (x.dtype === "string") return original.kernelFunc(args)
      const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] }
      const [begin_, size_] = tf.slice_util.parseSliceParams(x as unknown as tf.TensorInfo, begin, size)
      const backend = args.backend as unknown as WasmBackendLike
      const out = backend.makeOutput(size_, x.dtype)
      if (size_.some((d) => d === 0)) return out as unknown as tf.TensorInfo
      // views taken after the allocation: growing the heap detaches older views
      copyBox(backend.typedArrayFromHeap(x), x.shape, begin_, size_, backend.typedArrayFromHeap(out))
      return out as unknown as tf.TensorInfo
    }
  })
}
