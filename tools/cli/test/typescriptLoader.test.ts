import { describe, expect, it } from "vitest"
import { ensureTypeScript, registerTypeScriptOnDemand } from "../src/typescriptLoader.js"

describe("the TypeScript loader, registered on demand", () => {
  it("registers once, and a load that starts during the registration waits for it", async () => {
    let registrations = 0
    let registered = false
    registerTypeScriptOnDemand(async () => {
      registrations++
      await new Promise((resolve) => setTimeout(resolve, 20))
      registered = true
    })
    const first = ensureTypeScript()
    // a second workflow load while the first is still registering (a runner taking two stages)
    await ensureTypeScript()
    expect(registered).toBe(true)
    await first
    await ensureTypeScript()
    expect(registrations).toBe(1)
  })
})
