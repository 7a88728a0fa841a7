/**
 * Worker-thread side of the data-parallel engine: builds its own program (own backend instance)
 * from the spec it was started with, then answers gradient / eval requests. Parameters arrive in
 * shared memory written by the main thread between steps; gradients go back as transferred buffers.
 */
import { parentPort, workerData } from "node:worker_threads"
import { useBackend, type BackendName } from "@zaoji/tensor"
import { padBatch } from "./batch.js"
import type { ProgramModule, ProgramSpec, TrainProgram } from "./program.js"
import { errorMessage } from "@zaoji/core"

interface Start {
  readonly spec: ProgramSpec
  readonly backend: BackendName
}

const port = parentPort!
const start = workerData as Start

const fail = (id: number | undefined, e: unknown) =>
  port.postMessage({ type: "error", id, message: errorMessage(e), stack: e instanceof Error ? e.stack : undefined })

const main = async () => {
  await useBackend(start.backend)
  const mod = (await import(start.spec.module)) as ProgramModule
  const program: TrainProgram = await mod.createProgram(start.spec.args)
  let shared: Record<string, Float32Array> = {}
  let loaded = -1
  const upload = (version: number) => {
    if (version !== loaded) {
      program.setTrainable(shared)
      loaded = version
    }
  }
  // one request at a time, in order: the main thread waits for each answer before the next step
  let queue: Promise<void> = Promise.resolve()
  port.on("message", (msg: any) => {
    queue = queue.then(() => answer(msg))
  })
  const answer = async (msg: any): Promise<void> => {
    try {
      switch (msg.type) {
        case "attach": {
          const views: Record<string, Float32Array> = {}
          for (const [n, sab] of Object.entries(msg.params as Record<string, SharedArrayBuffer>)) views[n] = new Float32Array(sab)
          shared = views
          loaded = -1
          port.postMessage({ type: "ok", id: msg.id })
          break
        }
        case "initial": {
          const init = await program.initial()
          port.postMessage({ type: "ok", id: msg.id, value: init }, Object.values(init).map((a) => a.buffer as ArrayBuffer))
          break
        }
        case "grads": {
          upload(msg.version)
          const r = await program.gradients(padBatch(msg.examples, msg.padId))
          port.postMessage(
            { type: "ok", id: msg.id, value: r },
            Object.values(r.grads).map((a) => a.buffer as ArrayBuffer)
          )
          break
        }
        case "eval": {
          upload(msg.version)
          port.postMessage({ type: "ok", id: msg.id, value: await program.evalLoss(padBatch(msg.examples, msg.padId)) })
          break
        }
        case "memory":
          port.postMessage({ type: "ok", id: msg.id, value: program.memory() })
          break
        case "close":
          program.dispose()
          port.postMessage({ type: "ok", id: msg.id })
          break
      }
    } catch (e) {
      fail(msg.id, e)
    }
  }
  port.postMessage({ type: "ready", trainable: program.trainable })
}

main().catch((e) => fail(undefined, e))
