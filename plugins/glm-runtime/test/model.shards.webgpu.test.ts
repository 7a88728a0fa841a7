/**
 * The row-shard suite (model.shards.test.ts) re-run on WebGPU: sharded forward, decoding and
 * gradients equal the whole model's there too (in CI on Mesa's lavapipe).
 */
import { rerunOnWebGpu } from "@zaoji/testing/rerun"

await rerunOnWebGpu("row-sharded weights", () => import("./model.shards.test.js"))
