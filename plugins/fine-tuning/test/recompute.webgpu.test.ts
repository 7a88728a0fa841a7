/**
 * Activation recomputation (recompute.test.ts) re-run on WebGPU (in CI on Mesa's lavapipe): the
 * layer-by-layer gradients equal the whole graph's there too, and the tensor counts stay flat.
 */
import { rerunOnWebGpu } from "@zaoji/testing/rerun"

await rerunOnWebGpu("activation recomputation", () => import("./recompute.test.js"))
