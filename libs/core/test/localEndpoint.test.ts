/**
 * The privacy guard's idea of "this machine": record text may go to a loopback endpoint without
 * being allowed explicitly, so only what cannot leave the machine may count as loopback.
 */
import { describe, expect, it } from "vitest"
import { isLocalEndpoint, isLoopbackHost, makeTestStageContext } from "../src/index.js"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

describe("loopback endpoints", () => {
  it.each([
    "http://127.0.0.1:8080/v1",
    "http://127.255.10.3/v1",
    "http://127.1/v1", // shorthand the URL parser expands to 127.0.0.1
    "http://0x7f.0.0.1/v1",
    "http://localhost:1/v1",
    "http://LOCALHOST/v1",
    "http://[::1]:8000/v1",
    "http://[0:0:0:0:0:0:0:1]/v1",
    "http://[::ffff:127.0.0.1]/v1", // IPv4-mapped
    "https://127.0.0.1/v1"
  ])("%s is loopback", (url) => {
    expect(isLocalEndpoint(url)).toBe(true)
  })

  it.each([
    "http://127.evil.example/v1", // a name, not an address: DNS decides where it goes
    "http://127.0.0.1.nip.io/v1",
    "http://a.localhost/v1",
    "http://localhost.evil.example/v1",
    "http://localhost./v1",
    "http://evil.example/127.0.0.1/v1",
    "http://127.0.0.1@evil.example/v1", // userinfo, not the host
    "http://128.0.0.1/v1",
    "http://0.0.0.0/v1",
    "http://[::]/v1",
    "http://[::ffff:8.8.8.8]/v1",
    "http://[::127.0.0.1]/v1", // IPv4-compatible (deprecated), not mapped: not loopback
    "not a url",
    ""
  ])("%s is not loopback", (url) => {
    expect(isLocalEndpoint(url)).toBe(false)
  })

  it("judges bare host names the same way (brackets optional)", () => {
    expect(["127.0.0.1", "::1", "[::1]", "localhost", "::ffff:127.0.0.2"].map(isLoopbackHost)).toEqual([true, true, true, true, true])
    expect(["127.evil.example", "x.localhost", "10.0.0.1", "", "[]"].map(isLoopbackHost)).toEqual([false, false, false, false, false])
  })

  it("the stage context refuses look-alikes unless the workflow allows them", () => {
    const ctx = makeTestStageContext(mkdtempSync(join(tmpdir(), "zaoji-endpoint-")), { allowedEndpoints: ["http://127.evil.example/v1"] })
    expect(ctx.allowEndpoint("http://127.evil.example/v1/chat")).toBe(true)
    expect(ctx.allowEndpoint("http://127.other.example/v1")).toBe(false)
    expect(ctx.allowEndpoint("http://llm.localhost/v1")).toBe(false)
  })
})
