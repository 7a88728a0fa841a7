import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Deferred, Effect, Fiber } from "effect"
import { makeTestStageContext } from "@zaoji/core"
import { useBackend } from "@zaoji/tensor"
import { expectAllClose, expectBitwiseEqualTensors } from "@zaoji/testing"
import { acquireEngine, train, trainingDefaults, type TokenExample, type TrainerConfig, type TrainResult } from "../src/index.js"
import { bigramSpec as spec, makeData } from "./fixtures/bigramData.js"

const train32 = makeData(32, 1)
const val8 = makeData(8, 2)

const cfg = (over: Partial<TrainerConfig> = {}): TrainerConfig => ({
  ...trainingDefaults({ learningRate: 0.05 }),
  // the trainer's tests ran with weight decay 0.01 before it became a stage setting (default 0)
  weightDecay: 0.01,
  batchSize: 4,
  steps: 12,
  schedule: "cosine",
  warmupSteps: 2,
  checkpointEvery: 0,
  ...over
})

const run = (config: TrainerConfig, workers = 1, extra: { dir?: string; validation?: TokenExample[] } = {}) =>
  Effect.scoped(
    Effect.gen(function* () {
      const engine = yield* acquireEngine({ spec, workers, padId: 0 })
      const ctx = extra.dir ? makeTestStageContext(extra.dir) : undefined
      const counts: number[][] = []
      const result = yield* train({
        engine,
        train: train32,
        validation: extra.validation,
        config,
        checkpoint: ctx?.checkpoint,
        onStep: (i) => Effect.sync(() => void counts.push([...i.liveTensors]))
      })
      return { result, counts }
    })
  )

const maxDiff = (a: TrainResult["params"], b: TrainResult["params"]) => {
  let m = 0
  for (const k of Object.keys(a)) for (let i = 0; i < a[k]!.length; i++) m = Math.max(m, Math.abs(a[k]![i]! - b[k]![i]!))
  return m
}

/** every tensor of `a` within `atol` of `b` (same names, same lengths, no NaN) */
const expectParamsClose = (a: TrainResult["params"], b: TrainResult["params"], atol: number) => {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort())
  for (const name of Object.keys(b)) expectAllClose(a[name]!, b[name]!, { atol }, { what: name })
}

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "zaoji-train-"))
  dirs.push(d)
  return d
}

beforeAll(async () => {
  await useBackend("wasm")
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

/**
 * Trains into the checkpoint folder `dir` and interrupts the run right after step `step` completes,
 * as a kill would: what the resume tests continue from.
 */
const interruptAfterStep = (config: TrainerConfig, workers: number, dir: string, step: number) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const engine = yield* acquireEngine({ spec, workers, padId: 0 })
        const ctx = makeTestStageContext(dir)
        const reached = yield* Deferred.make<void>()
        const fiber = yield* Effect.fork(
          train({
            engine,
            train: train32,
            validation: val8,
            config,
            checkpoint: ctx.checkpoint,
            onStep: (i) => (i.step === step ? Deferred.succeed(reached, undefined) : Effect.void)
          })
        )
        yield* Deferred.await(reached)
        yield* Fiber.interrupt(fiber)
      })
    )
  )

describe("trainer", () => {
  it("lowers the loss, records a loss curve and leaks no tensors across steps", async () => {
    const { result, counts } = await Effect.runPromise(run(cfg({ steps: 30 }), 1, { validation: val8 }))
    expect(result.steps).toBe(30)
    expect(result.lossCurve).toHaveLength(30)
    const first = result.lossCurve.slice(0, 3).reduce((a, r) => a + r.loss, 0) / 3
    const last = result.lossCurve.slice(-3).reduce((a, r) => a + r.loss, 0) / 3
    expect(last).toBeLessThan(first * 0.8)
    expect(result.lossCurve[0]!.lr).toBe(0) // warmup starts at 0
    expect(result.finalEvalLoss).toBeGreaterThan(0)
    // tensor count identical after every step
    expect(new Set(counts.map((c) => c[0])).size).toBe(1)
    expect(result.peakRssBytes).toBeGreaterThan(0)
    expect(result.peakTensorBytes).toBeGreaterThan(0)
    // 30 steps: windows of 3 steps; the loss falls far beyond the steps' noise
    expect(result.learning?.verdict).toBe("learning")
    expect(result.learning?.window).toBe(3)
  })

  it("flags a run whose loss does not fall (learning rate 0) as not learning", async () => {
    const { result } = await Effect.runPromise(run(cfg({ steps: 30, learningRate: 0 })))
    expect(result.lossCurve).toHaveLength(30)
    expect(result.learning?.verdict).toBe("not-learning")
    expect(result.learning?.note).toContain("did not fall")
    // the step losses still vary (other batches), so the margin is the noise, not the 0.1% floor
    expect(result.learning?.note).toContain("standard errors")
  })

  it("starts from given initial values without modifying the caller's arrays", async () => {
    const initial = { "emb.weight": new Float32Array(40 * 16).fill(0.1), "out.weight": new Float32Array(16 * 40).fill(-0.1) }
    const kept = { "emb.weight": initial["emb.weight"].slice(), "out.weight": initial["out.weight"].slice() }
    const result = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const engine = yield* acquireEngine({ spec, workers: 1, padId: 0 })
          return yield* train({ engine, train: train32, config: cfg({ steps: 3 }), initial })
        })
      )
    )
    expectBitwiseEqualTensors(initial, kept)
    expect(result.params["emb.weight"]![0]).not.toBe(0.1)
  })

  it("is deterministic for a seed and depends on it", async () => {
    const a = await Effect.runPromise(run(cfg()))
    const b = await Effect.runPromise(run(cfg()))
    const c = await Effect.runPromise(run(cfg({ seed: 99 })))
    expectBitwiseEqualTensors(a.result.params, b.result.params)
    expect(maxDiff(a.result.params, c.result.params)).toBeGreaterThan(1e-4)
  })

  it("accumulating 2 micro-batches of 2 equals one batch of 4", async () => {
    const big = await Effect.runPromise(run(cfg({ batchSize: 4, maxGradNorm: 0 })))
    const acc = await Effect.runPromise(run(cfg({ batchSize: 2, gradientAccumulation: 2, maxGradNorm: 0 })))
    expectParamsClose(acc.result.params, big.result.params, 1e-5)
    expect(acc.result.lossCurve).toHaveLength(12)
    expectAllClose(acc.result.lossCurve.map((r) => r.loss), big.result.lossCurve.map((r) => r.loss), { atol: 1e-5 })
  })

  it("clips gradients to the global norm", async () => {
    const { result } = await Effect.runPromise(run(cfg({ maxGradNorm: 0.01, steps: 3 })))
    // the recorded norm is the pre-clip norm; it exceeds the threshold, so clipping was active
    expect(result.lossCurve[0]!.gradNorm).toBeGreaterThan(0.01)
    const unclipped = await Effect.runPromise(run(cfg({ maxGradNorm: 0, steps: 3 })))
    expect(maxDiff(result.params, unclipped.result.params)).toBeGreaterThan(0)
  })

  it("stops early when the validation loss stops improving and returns the best weights", async () => {
    const { result } = await Effect.runPromise(
      run(cfg({ learningRate: 0.5, steps: 200, schedule: "constant", warmupSteps: 0, evalEvery: 2, earlyStoppingPatience: 2 }), 1, {
        validation: val8
      })
    )
    expect(result.stoppedEarly).toBe(true)
    expect(result.steps).toBeLessThan(200)
    const best = Math.min(...result.evalCurve.map((e) => e.loss))
    expect(result.bestEvalLoss).toBeCloseTo(best, 10)
    const tail = result.evalCurve.slice(-2)
    for (const e of tail) expect(e.loss).toBeGreaterThanOrEqual(best)
    expect(result.finalEvalLoss).toBeCloseTo(best, 10)
  })

  it("resumes exactly after an interrupt mid-run (same weights as an uninterrupted run)", async () => {
    const config = cfg({ steps: 20, checkpointEvery: 3, evalEvery: 4 })
    const full = await Effect.runPromise(run(config, 1, { validation: val8 }))
    const dir = tmp()
    // first attempt: interrupted right after step 8 completes (a checkpoint exists from step 6)
    await interruptAfterStep(config, 1, dir, 8)
    const resumed = await Effect.runPromise(run(config, 1, { dir, validation: val8 }))
    expect(resumed.result.resumedFromStep).toBeGreaterThanOrEqual(8)
    expect(resumed.result.resumedFromStep).toBeLessThan(20)
    // exact: the same bits, not merely close
    expectBitwiseEqualTensors(resumed.result.params, full.result.params)
    expect(resumed.result.lossCurve).toHaveLength(20)
    expect(resumed.result.lossCurve).toEqual(full.result.lossCurve)
    expect(resumed.result.evalCurve).toEqual(full.result.evalCurve)
  })

  /**
   * With 2 workers each step adds the workers' gradient sums in worker order, so a resumed 2-worker
   * run repeats the uninterrupted 2-worker run bit for bit as well. Against single-thread training
   * the sums are grouped differently (per shard, then added), so they agree only to float32
   * rounding: after 20 AdamW steps at lr 0.05 the weights (|w| ≤ 1.7) and the step losses may
   * differ by 1e-5 (measured on WASM: 2.4e-7 and 4.4e-7, a few float32 ulps; the bound is 40× that,
   * room for another backend's summation order inside a matmul, and still far below the 0.05-sized
   * updates a wrong shard or a lost micro-batch would show).
   */
  it("resumes a 2-worker run exactly, within float rounding of single-thread training", async () => {
    const config = cfg({ steps: 20, checkpointEvery: 3, evalEvery: 4 })
    const full = await Effect.runPromise(run(config, 2, { validation: val8 }))
    const single = await Effect.runPromise(run(config, 1, { validation: val8 }))
    const dir = tmp()
    await interruptAfterStep(config, 2, dir, 8)
    const resumed = await Effect.runPromise(run(config, 2, { dir, validation: val8 }))
    expect(resumed.result.workers).toBe(2)
    expect(resumed.result.resumedFromStep).toBeGreaterThanOrEqual(8)
    expect(resumed.result.resumedFromStep).toBeLessThan(20)
    expectBitwiseEqualTensors(resumed.result.params, full.result.params)
    expect(resumed.result.lossCurve).toEqual(full.result.lossCurve)
    expect(resumed.result.lossCurve).toHaveLength(20)
    expectParamsClose(resumed.result.params, single.result.params, 1e-5)
    expectAllClose(resumed.result.lossCurve.map((r) => r.loss), single.result.lossCurve.map((r) => r.loss), { atol: 1e-5 })
  })

  it("data parallel over 2 worker threads equals single-thread training up to float rounding", async () => {
    const config = cfg({ steps: 8 })
    const single = await Effect.runPromise(run(config, 1))
    const par = await Effect.runPromise(run(config, 2, { validation: val8 }))
    expect(par.result.workers).toBe(2)
    expectParamsClose(par.result.params, single.result.params, 1e-5)
    expect(par.result.lossCurve).toHaveLength(8)
    expectAllClose(par.result.lossCurve.map((r) => r.loss), single.result.lossCurve.map((r) => r.loss), { atol: 1e-5 })
    // each worker's tensor count is stable across steps
    for (const w of [0, 1]) expect(new Set(par.counts.map((c) => c[w])).size).toBe(1)
  })

  it("a worker that fails to build its program fails the engine with the cause, and the pool is released", async () => {
    const failing = { module: new URL("./fixtures/failingProgram.ts", import.meta.url).href, args: { message: "no weights here" } }
    const r = await Effect.runPromise(Effect.either(Effect.scoped(acquireEngine({ spec: failing, workers: 2, padId: 0 }))))
    expect(r._tag).toBe("Left")
    if (r._tag === "Left") {
      expect(r.left._tag).toBe("PermanentError")
      expect(r.left.message).toContain("no weights here")
    }
  })
})
