export * from "./generate.js"
export * from "./rng.js"
export * from "./sampling.js"
