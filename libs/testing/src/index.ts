export * from "./sharedFixtures.js"
