/**
 * A tiny seeded PRNG (mulberry32) whose whole state is one uint32, so a checkpoint can store it and
 * a resumed run draws exactly the numbers the uninterrupted run would have drawn.
 */
export class Rng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** the complete generator state (store it; `Rng.fromState` continues the same sequence) */
  getState(): number {
    return this.state
  }

  static fromState(state: number): Rng {
    const r = new Rng(0)
    r.state = state >>> 0
    return r
  }

  /** uniform in [0, 1) */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** uniform integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** in-place Fisher–Yates shuffle */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const tmp = xs[i]!
      xs[i] = xs[j]!
      xs[j] = tmp
    }
    return xs
  }

  /** standard normal (Box–Muller) — used for deterministic parameter initialisation */
  normal(): number {
    let u = this.next()
    while (u === 0) u = this.next()
    const v = this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
}

/**
 * The order in which an epoch visits the examples. Derived from (seed, epoch) alone, so a resumed
 * run needs only the epoch number and its position inside the epoch to continue the same order.
 */
export const epochOrder = (n: number, seed: number, epoch: number, shuffle = true): number[] => {
  const order = Array.from({ length: n }, (_, i) => i)
  if (!shuffle) return order
  // mix the epoch into the seed so every epoch gets an independent permutation
  const rng = new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0)
  return rng.shuffle(order)
}
