export * from "./score.js"
