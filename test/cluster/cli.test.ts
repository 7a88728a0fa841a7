import { describe, expect, it } from "vitest"
import { fixture as engineFixture, zaoji } from "../engine/cliProcess.js"
import { workDir } from "./cluster.js"

// no server at all: these need no PostgreSQL
describe("zaoji --cluster: bad input and an unreachable database", () => {
  it("run and status against a database that does not answer: a clear error naming it (password hidden), exit 1", async () => {
    const url = "postgres://zaoji:s3cret@127.0.0.1:1/zaoji"
    const run = await zaoji(["run", engineFixture("sample.workflow.ts"), "--store", workDir("nodb"), "--cluster", url])
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(/cannot reach the cluster database at postgres:\/\/zaoji:\*\*\*@127\.0\.0\.1:1\/zaoji/)
    expect(run.stderr + run.stdout).not.toMatch(/s3cret|internal error/)
    const status = await zaoji(["status", "--cluster", url])
    expect(status.code).toBe(1)
    expect(status.stderr).toMatch(/cannot reach the cluster database/)
  }, 120_000)

  it("runner: --slots below 1 is refused before anything starts (exit 2)", async () => {
    const r = await zaoji(["runner", "--cluster", "postgres://zaoji@127.0.0.1:1/zaoji", "--slots", "0"])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--slots must be at least 1/)
  }, 60_000)
})
