import { Workflow } from "@zaoji/core"
import { cpu, seed } from "./stages.js"

/** A seed and 6 independent CPU-bound stages on it. */
export default Workflow.make("bench-cluster-cpu", (w) => {
  const s = w.stage("seed", seed, { salt: "" })
  for (let i = 0; i < 6; i++) w.stage(`cpu${i}`, cpu, { i, rounds: 20_000 }, { seed: s })
}, { concurrency: 6 })
