/**
 * The P-Tuning v2 golden training suite (golden.test.ts: loss, prefix gradients, 3 AdamW steps)
 * re-run on the WebGPU backend.
 */
import { rerunOnWebGpu } from "@zaoji/testing/rerun"

await rerunOnWebGpu("P-Tuning v2 golden training cases", () => import("./golden.test.js"))
