/**
 * The golden fixtures' "three AdamW steps" case, run through the real trainer the way the PyTorch
 * reference ran it. The freeze, P-Tuning v2 and LoRA golden suites all check this case; the trainer
 * settings that make it comparable (one worker, batch 2, constant learning rate, no warm-up, no
 * clipping, no shuffling, no checkpoints) are stated once here.
 */
import { Effect } from "effect"
import { acquireEngine, padBatch, train, trainingDefaults, type ProgramModule, type ProgramSpec, type TokenExample, type TrainResult } from "@zaoji/training"

/** the `adamw` block of a golden case, as the reference wrote it */
export interface GoldenAdamwCase {
  readonly steps: number
  readonly lr: number
  readonly betas: ReadonlyArray<number>
  readonly eps: number
  readonly weight_decay: number
}

/** trains `examples` (validated on themselves) for the case's steps with its AdamW settings */
export const trainGoldenAdamwSteps = (
  spec: ProgramSpec,
  examples: ReadonlyArray<TokenExample>,
  a: GoldenAdamwCase
): Promise<TrainResult> =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const engine = yield* acquireEngine({ spec, workers: 1, padId: 0 })
        return yield* train({
          engine,
          train: examples,
          validation: examples,
          config: {
            ...trainingDefaults({ learningRate: a.lr }),
            batchSize: 2,
            steps: a.steps,
            schedule: "constant",
            warmupSteps: 0,
            maxGradNorm: 0,
            shuffle: false,
            checkpointEvery: 0,
            weightDecay: a.weight_decay,
            adamBetas: [a.betas[0]!, a.betas[1]!],
            adamEpsilon: a.eps
          }
        })
      })
    )
  )

/**
 * The gradients of the mean loss of `examples` (one batch) at the program's starting values, by
 * tensor name: what decides which AdamW updates are noise-driven (`noiseDrivenElements`).
 */
export const startMeanGradients = async (spec: ProgramSpec, examples: ReadonlyArray<TokenExample>): Promise<Record<string, Float32Array>> => {
  const { createProgram } = (await import(spec.module)) as ProgramModule
  const program = await createProgram(spec.args)
  try {
    // padded as the golden steps pad (id 0; padding carries no loss)
    const r = await program.gradients(padBatch(examples, 0))
    return Object.fromEntries(Object.entries(r.grads).map(([name, g]) => [name, g.map((x) => x / r.count)]))
  } finally {
    program.dispose()
  }
}
