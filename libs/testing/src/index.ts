export * from "./sharedFixtures.js"
export * from "./llmServer.js"
