/**
 * The freeze-tuning golden training suite (golden.test.ts: loss, gradient norms, 3 AdamW steps)
 * re-run on the WebGPU backend.
 */
import { rerunOnWebGpu } from "@zaoji/testing/rerun"

await rerunOnWebGpu("freeze tuning golden training cases", () => import("./golden.test.js"))
