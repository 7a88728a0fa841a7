export * from "./tensors.js"
export * from "./shards.js"
