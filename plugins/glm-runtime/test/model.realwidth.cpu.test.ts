/**
 * The real-width suite (model.realwidth.test.ts) re-run on tfjs's cpu backend, whose tensors live in
 * host memory: the gradients (freeze of the last layer, P-Tuning v2 prefix) that do not fit WASM's
 * memory run here, with ZAOJI_REALWIDTH_FULL=1 (minutes of CPU: not in every CI run).
 */
import { runSuitesOn } from "@zaoji/tensor"

runSuitesOn("cpu")
await import("./model.realwidth.test.js")
