import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { currentBackend, ensureBackend, parseBackendName, setBackendLogger, setBackendOverride, useBackend } from "../src/index.js"

describe("backend selection", () => {
  it("parses user names and aliases, rejecting unknown ones with the list", () => {
    expect(parseBackendName("WASM")).toBe("wasm")
    expect(parseBackendName("tfjs-node")).toBe("tensorflow")
    expect(parseBackendName("gpu")).toBe("tensorflow-gpu")
    expect(parseBackendName("WebGPU")).toBe("webgpu")
    expect(() => parseBackendName("metal", "--backend")).toThrow(/--backend: unknown backend "metal"; expected one of/)
  })

  it("falls through the order to a loadable backend, logs the choice, and honours an override", async () => {
    const logs: string[] = []
    setBackendLogger((m) => logs.push(m))
    setBackendOverride(undefined)
    const saved = process.env.ZAOJI_BACKEND
    delete process.env.ZAOJI_BACKEND
    try {
      const chosen = await ensureBackend()
      // tfjs-node(-gpu) are not installed here, and a software WebGPU adapter is passed over: wasm
      // is the first that loads (webgpu where a GPU has a Vulkan driver)
      expect(["tensorflow-gpu", "webgpu", "tensorflow", "wasm"]).toContain(chosen)
      expect(currentBackend()).toBe(chosen)
      expect(logs).toHaveLength(1)
      // one line; a passed-over software adapter is named in it
      expect(logs[0]).toMatch(new RegExp(`^backend: ${chosen}( \\(.*\\))?(; webgpu not used: .*)?$`))
      setBackendOverride("cpu")
      expect(await ensureBackend()).toBe("cpu")
      expect(tf.getBackend()).toBe("cpu")
      expect(logs[1]).toBe("backend: cpu (requested)")
      setBackendOverride(undefined)
      process.env.ZAOJI_BACKEND = "cpu"
      expect(await ensureBackend()).toBe("cpu")
      process.env.ZAOJI_BACKEND = "nonsense"
      setBackendOverride(undefined)
      await expect(ensureBackend()).rejects.toThrow(/ZAOJI_BACKEND: unknown backend "nonsense"/)
    } finally {
      if (saved === undefined) delete process.env.ZAOJI_BACKEND
      else process.env.ZAOJI_BACKEND = saved
      setBackendOverride(undefined)
      await useBackend("wasm")
    }
  })
})
