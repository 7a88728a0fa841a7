import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: [
      "libs/*/test/**/*.test.ts",
      "plugins/*/test/**/*.test.ts",
      "tools/*/test/**/*.test.ts",
      "workflows/**/*.test.ts",
      "test/**/*.test.ts"
    ],
    // the event loop turns before every test (see the file); an absolute path, so that a run with
    // another --root (a generated plugin's own tests) finds it too
    setupFiles: [fileURLToPath(new URL("./test/setup/yieldBetweenTests.ts", import.meta.url))],
    // model tests are CPU-heavy; two cores → two forks
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // behaviour, not speed: generous limits so a slow or busy machine cannot fail a correct test
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: ["default", "json"],
    outputFile: { json: "test-results/vitest.json" }
  }
})
