export * from "./tensors.js"
