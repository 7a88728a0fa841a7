/** Tensor-leak guard: tests assert that a piece of work leaves the live tensor count unchanged. */
import * as tf from "@tensorflow/tfjs"

export const liveTensors = (): number => tf.memory().numTensors

export class TensorLeakError extends Error {
  constructor(readonly before: number, readonly after: number, label: string) {
    super(`${label}: ${after - before} tensor(s) leaked (live tensors ${before} → ${after})`)
  }
}

/** Run `fn` (sync or async) and throw if it leaves more (or fewer) live tensors than before. */
export const expectNoLeak = async <A>(fn: () => A | Promise<A>, label = "tensor leak check"): Promise<A> => {
  const before = liveTensors()
  const out = await fn()
  const after = liveTensors()
  if (after !== before) throw new TensorLeakError(before, after, label)
  return out
}

/** The live count after each of `steps` repetitions of `fn`: a leak shows as a growing list. */
export const tensorCountsOver = async (steps: number, fn: (step: number) => unknown): Promise<number[]> => {
  const counts: number[] = []
  for (let i = 0; i < steps; i++) {
    await fn(i)
    counts.push(liveTensors())
  }
  return counts
}
