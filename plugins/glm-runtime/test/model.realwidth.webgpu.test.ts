/**
 * The real-width suite (model.realwidth.test.ts) re-run on WebGPU. In CI that is Mesa's lavapipe,
 * whose 128 MiB binding limit is below the MLP matrices at this width (4096 × 16384 float32 =
 * 256 MiB), so those run as row shards, as the 6B embedding does on a GPU. The forward logits run;
 * decoding and the gradients only with ZAOJI_REALWIDTH_FULL=1 (minutes on a software adapter).
 */
import { rerunOnWebGpu } from "@zaoji/testing/rerun"

await rerunOnWebGpu("real-width GLM", () => import("./model.realwidth.test.js"))
