/**
 * Continuing a finished run: its saved state (weights, AdamW moments and step, data cursor) goes
 * into a new run, which adds its own steps. With the same data and seed, 2 epochs + 2 more are
 * exactly 4 epochs under a constant schedule (bitwise: one thread, the same operations in the same
 * order on the same values); under a decaying schedule the continued steps use the learning rates of
 * the 4-epoch run. The state survives its encoding, and a damaged one is refused by field.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { useBackend } from "@zaoji/tensor"
import { expectBitwiseEqualTensors } from "@zaoji/testing"
import {
  acquireEngine,
  decodeTrainingState,
  encodeTrainingState,
  train,
  trainingDefaults,
  type TokenExample,
  type TrainerConfig,
  type TrainingState
} from "../src/index.js"
import { bigramSpec as spec, makeData } from "./fixtures/bigramData.js"

// 30 examples in batches of 4: 8 steps per epoch, the last one of 2, so epochs end inside no batch
const data30 = makeData(30, 1)
const other = makeData(30, 9)

const cfg = (over: Partial<TrainerConfig>): TrainerConfig => ({
  ...trainingDefaults({ learningRate: 0.05 }),
  batchSize: 4,
  warmupSteps: 3,
  checkpointEvery: 0,
  ...over
})

const run = (config: TrainerConfig, examples: ReadonlyArray<TokenExample>, continueFrom?: TrainingState) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const engine = yield* acquireEngine({ spec, workers: 1, padId: 0 })
        return yield* train({ engine, train: examples, config, ...(continueFrom ? { continueFrom } : {}) })
      })
    )
  )

/** through the encoding a stage writes to its artifact */
const roundTrip = (s: TrainingState): TrainingState => decodeTrainingState(encodeTrainingState(s), "state")

beforeAll(async () => {
  await useBackend("wasm")
})

describe("continuing a finished run", () => {
  it("2 epochs + 2 more equal 4 epochs bitwise (constant schedule after warm-up, same data and seed)", async () => {
    const two = await run(cfg({ epochs: 2, schedule: "constant" }), data30)
    const more = await run(cfg({ epochs: 2, schedule: "constant" }), data30, roundTrip(two.state))
    const four = await run(cfg({ epochs: 4, schedule: "constant" }), data30)
    expect(two.steps).toBe(16)
    expect(more.steps).toBe(32)
    expect(more.epochs).toBe(4)
    expect(more.lossCurve.map((r) => r.step)).toEqual(four.lossCurve.slice(16).map((r) => r.step))
    expectBitwiseEqualTensors(more.params, four.params)
    expectBitwiseEqualTensors(more.state.adam.m, four.state.adam.m)
    expectBitwiseEqualTensors(more.state.adam.v, four.state.adam.v)
    expect(more.state.adam.step).toBe(four.state.adam.step)
    expect(more.lossCurve.map((r) => r.loss)).toEqual(four.lossCurve.slice(16).map((r) => r.loss))
  })

  it("the schedule spans every step: a continued linear run uses the 4-epoch run's rates", async () => {
    const two = await run(cfg({ epochs: 2, schedule: "linear" }), data30)
    const more = await run(cfg({ epochs: 2, schedule: "linear" }), data30, two.state)
    const four = await run(cfg({ epochs: 4, schedule: "linear" }), data30)
    expect(more.lossCurve.map((r) => r.lr)).toEqual(four.lossCurve.slice(16).map((r) => r.lr))
    // the first run decayed over its own 16 steps, so the weights differ from the 4-epoch run's
    expect(two.lossCurve[15]!.lr).toBeLessThan(four.lossCurve[15]!.lr)
  })

  it("on new data: the step and the optimizer state go on, a new epoch over the new data starts", async () => {
    const two = await run(cfg({ epochs: 2, schedule: "constant" }), data30)
    const more = await run(cfg({ epochs: 1, schedule: "constant" }), other, two.state)
    expect(more.steps).toBe(24)
    expect(more.state.adam.step).toBe(24)
    expect(more.state.meta.cursor.epoch).toBe(2)
    expect(more.state.meta.data?.sha256).not.toBe(two.state.meta.data?.sha256)
  })

  it("refuses a state of other trainable tensors, and a damaged state by its field", async () => {
    const two = await run(cfg({ steps: 2 }), data30)
    const foreign: TrainingState = { ...two.state, meta: { ...two.state.meta, trainable: [{ name: "other.weight", shape: [2, 2] }] } }
    await expect(run(cfg({ steps: 2 }), data30, foreign)).rejects.toThrow(/holds different trainable tensors than this run/)
    const snap = encodeTrainingState(two.state)
    const meta = { ...(snap.meta as Record<string, unknown>), adamStep: -1 }
    expect(() => decodeTrainingState({ meta, blobs: snap.blobs }, "checkpoint")).toThrow(/checkpoint: metadata is not a training state[\s\S]*adamStep/)
    expect(() => decodeTrainingState({ meta: { ...meta, version: 7 }, blobs: snap.blobs }, "checkpoint")).toThrow(/checkpoint: format 7 is not 1/)
    const { ["adam_v.safetensors"]: _dropped, ...partial } = snap.blobs
    expect(() => decodeTrainingState({ meta: snap.meta, blobs: partial }, "checkpoint")).toThrow(/checkpoint lacks adam_v.safetensors/)
  })
})
