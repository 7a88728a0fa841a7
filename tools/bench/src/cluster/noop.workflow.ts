import { Workflow } from "@zaoji/core"
import { noop, seed } from "./stages.js"

/** A seed and 200 independent no-op stages on it. */
export default Workflow.make("bench-cluster-noop", (w) => {
  const s = w.stage("seed", seed, { salt: "" })
  for (let i = 0; i < 200; i++) w.stage(`noop${i}`, noop, { i }, { seed: s })
}, { concurrency: 200 })
