/**
 * The training program on row-sharded weights (program.shards.test.ts) re-run on WebGPU, where
 * shards exist for the adapter's binding limit (in CI on Mesa's lavapipe; the test forces a 40 KiB
 * limit so a tiny model shards).
 */
import { rerunOnWebGpu } from "@zaoji/testing/rerun"

await rerunOnWebGpu("the training program on row-sharded weights", () => import("./program.shards.test.js"))
