import { Workflow } from "@zaoji/core"
import { ask, seed } from "./stages.js"

/** A seed and one LLM stage of many items (the endpoint is set by the benchmark). */
export default Workflow.make("bench-cluster-llm", (w) => {
  const s = w.stage("seed", seed, { salt: "" })
  w.stage("ask", ask, { baseURL: "http://127.0.0.1:1/v1", items: 60, concurrency: 6 }, { seed: s })
})
