/**
 * Data-parallel gradient engine over worker threads. Each worker builds the program from the same
 * spec (so the same frozen weights and initial values) with its own WASM backend instance — the
 * only way to use a second core, since the WASM backend runs single-threaded under Node. A step's
 * examples are split into contiguous shards, one per worker; the loss and gradient sums are added.
 */
import { Worker } from "node:worker_threads"
import * as tf from "@tensorflow/tfjs"
import { addGrads, type EngineMemory, type GradientEngine } from "./engine.js"
import { shardExamples, type TokenExample } from "./batch.js"
import type { GradResult, LossSum, ProgramSpec, TensorSpec } from "./program.js"

interface Pending {
  resolve: (v: any) => void
  reject: (e: Error) => void
}

class WorkerHandle {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  readonly ready: Promise<ReadonlyArray<TensorSpec>>
  private failed: Error | undefined

  constructor(readonly worker: Worker) {
    this.ready = new Promise((resolve, reject) => {
      worker.on("message", (msg: any) => {
        if (msg.type === "ready") return resolve(msg.trainable)
        if (msg.type === "error" && msg.id === undefined) {
          const e = new Error(`training worker failed to start: ${msg.message}`)
          this.failAll(e)
          return reject(e)
        }
        const p = this.pending.get(msg.id)
        if (p === undefined) return
        this.pending.delete(msg.id)
        if (msg.type === "ok") p.resolve(msg.value)
        else p.reject(new Error(`training worker: ${msg.message}`))
      })
      worker.on("error", (e) => {
        this.failAll(e)
        reject(e)
      })
      worker.on("exit", (code) => {
        const e = new Error(`training worker exited (code ${code})`)
        this.failAll(e)
        reject(e)
      })
    })
  }

  private failAll(e: Error) {
    this.failed ??= e
    for (const p of this.pending.values()) p.reject(e)
    this.pending.clear()
  }

  call<A>(msg: Record<string, unknown>): Promise<A> {
    if (this.failed) return Promise.reject(this.failed)
    const id = this.nextId++
    return new Promise<A>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.worker.postMessage({ ...msg, id })
    })
  }
}

// a JavaScript entry that registers tsx itself (see workerBoot.mjs)
const workerUrl = new URL("./workerBoot.mjs", import.meta.url)

/**
 * Start `count` workers running `spec`. Always pair with `close()` (the trainer acquires the engine
 * in a Scope so that every exit path terminates the threads).
 */
export const startWorkerPool = async (spec: ProgramSpec, count: number, padId: number): Promise<GradientEngine> => {
  const backend = tf.getBackend()
  const handles = Array.from(
    { length: count },
    () =>
      new WorkerHandle(
        new Worker(workerUrl, { workerData: { spec, backend }, execArgv: ["--import", "tsx"] })
      )
  )
  const terminate = () => Promise.all(handles.map((h) => h.worker.terminate())).then(() => undefined)
  let trainable: ReadonlyArray<TensorSpec>
  try {
    const all = await Promise.all(handles.map((h) => h.ready))
    trainable = all[0]!
  } catch (e) {
    await terminate()
    throw e
  }
  const shared: Record<string, Float32Array> = {}
  const sabs: Record<string, SharedArrayBuffer> = {}
  for (const s of trainable) {
    const n = s.shape.reduce((a, b) => a * b, 1)
    sabs[s.name] = new SharedArrayBuffer(n * 4)
    shared[s.name] = new Float32Array(sabs[s.name]!)
  }
  await Promise.all(handles.map((h) => h.call({ type: "attach", params: sabs })))
  let written = -1
  const publish = (params: Readonly<Record<string, Float32Array>>, version: number) => {
    // workers read shared memory only while handling a request, and every request of the previous
    // version has been answered before the trainer calls again, so writing here cannot race
    if (version === written) return
    for (const s of trainable) shared[s.name]!.set(params[s.name]!)
    written = version
  }

  return {
    workers: count,
    trainable,
    initial: () => handles[0]!.call<Record<string, Float32Array>>({ type: "initial" }),
    gradients: async (examples, params, version) => {
      publish(params, version)
      const shards = shardExamples(examples, count)
      const results = await Promise.all(
        shards.map((sh, i) => handles[i]!.call<GradResult>({ type: "grads", examples: sh, padId, version }))
      )
      const grads: Record<string, Float32Array> = {}
      let lossSum = 0
      let cnt = 0
      for (const r of results) {
        addGrads(grads, r.grads)
        lossSum += r.lossSum
        cnt += r.count
      }
      return { lossSum, count: cnt, grads }
    },
    evalLoss: async (examples: ReadonlyArray<TokenExample>, params, version) => {
      publish(params, version)
      const shards = shardExamples(examples, count)
      const results = await Promise.all(
        shards.map((sh, i) => handles[i]!.call<LossSum>({ type: "eval", examples: sh, padId, version }))
      )
      return { lossSum: results.reduce((a, r) => a + r.lossSum, 0), count: results.reduce((a, r) => a + r.count, 0) }
    },
    memory: async (): Promise<EngineMemory> => {
      const ms = await Promise.all(handles.map((h) => h.call<{ numTensors: number; numBytes: number }>({ type: "memory" })))
      return { numTensors: ms.map((m) => m.numTensors), numBytes: ms.reduce((a, m) => a + m.numBytes, 0) }
    },
    close: async () => {
      // a polite close lets programs free their tensors; a stuck worker is terminated regardless
      await Promise.race([
        Promise.allSettled(handles.map((h) => h.call({ type: "close" }))),
        new Promise((resolve) => setTimeout(resolve, 2000).unref())
      ])
      await terminate()
    }
  }
}
