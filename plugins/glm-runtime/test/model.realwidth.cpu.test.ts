/**
 * The real-width suite (model.realwidth.test.ts) re-run on tfjs's cpu backend, whose tensors live in
 * host memory: the gradients (freeze of the last layer, P-Tuning v2 prefix) that do not fit WASM's
 * memory run here (minutes of CPU each, in every run).
 */
import { runSuitesOn } from "@zaoji/tensor"

runSuitesOn("cpu")
await import("./model.realwidth.test.js")
