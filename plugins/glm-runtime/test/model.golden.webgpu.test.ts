/**
 * The golden GLM suite (model.golden.test.ts: forward, cached greedy decoding, prefixes, hidden
 * states, padded batch; glm1 and glm2, base and sharp sets) re-run on the WebGPU backend — in CI on
 * Mesa's software Vulkan (lavapipe), on a workstation on its GPU.
 */
import { rerunOnWebGpu } from "@zaoji/testing/rerun"

await rerunOnWebGpu("golden GLM fixtures", () => import("./model.golden.test.js"))
