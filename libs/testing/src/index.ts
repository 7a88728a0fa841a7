export * from "./sharedFixtures.js"
export * from "./llmServer.js"
export * from "./allClose.js"
export * from "./goldenTraining.js"
