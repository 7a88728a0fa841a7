export * from "./folder.js"
export * from "./manifest.js"
