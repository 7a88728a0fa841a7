/**
 * The LoRA golden suite (golden.test.ts: loss, A/B gradients, 3 AdamW steps, logits, merge)
 * re-run on the WebGPU backend.
 */
import { rerunOnWebGpu } from "@zaoji/testing/rerun"

await rerunOnWebGpu("LoRA golden fixtures", () => import("./golden.test.js"))
