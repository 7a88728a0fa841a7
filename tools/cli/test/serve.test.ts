/**
 * `zaoji serve MODEL`: the name clients use (stage id, folder name or --model-name), and the bind
 * address it refuses without a key. The servers run as real child processes on loopback.
 */
import { spawn, type ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { initWeights, presetConfig, saveModelFolder, saveTokenizer, trainTokenizer } from "@zaoji/glm-runtime"
import { ensureBackend } from "@zaoji/tensor"
import OpenAI from "openai"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { servedModelName } from "../src/handlers/serve.js"
import { cli } from "./cliInProcess.js"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "zaoji-serve-cli-"))
const bin = path.resolve(import.meta.dirname, "../bin/zaoji.mjs")
const children: ChildProcess[] = []
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL")
  fs.rmSync(root, { recursive: true, force: true })
})

const writeModel = (dir: string): void => {
  const tokenizer = trainTokenizer(["肝硬化患者应定期复查肝功能。", "胆囊结石的常见症状是右上腹疼痛。"], { vocabSize: 300, layout: "glm2" })
  const config = presetConfig("micro", { arch: "glm2", tokenizer })
  const weights = initWeights(config, { seed: 2, std: 0.2 })
  saveModelFolder(dir, config, weights)
  Object.values(weights).forEach((t) => t.dispose())
  saveTokenizer(tokenizer, dir)
}

/** `zaoji serve ARGS` as a child; resolves with the name and URL it prints once it listens */
const serve = (args: ReadonlyArray<string>): Promise<{ name: string; url: string; child: ChildProcess }> =>
  new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", ZAOJI_BACKEND: "cpu" }
    delete env.ZAOJI_API_KEY
    const child = spawn(process.execPath, [bin, "serve", ...args, "--port", "0"], { env, stdio: ["ignore", "ignore", "pipe"] })
    children.push(child)
    let err = ""
    child.stderr!.on("data", (d: Buffer) => {
      err += d
      const m = /serving "([^"]+)" at (http:\/\/\S+)\/v1/.exec(err)
      if (m) resolve({ name: m[1]!, url: m[2]!, child })
    })
    child.on("close", (code) => reject(new Error(`zaoji serve exited with ${code}: ${err}`)))
  })

const stop = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => {
    child.on("close", (code) => resolve(code))
    child.kill("SIGINT")
  })

describe("zaoji serve", () => {
  const artifact = path.join(root, "0f3a9c")
  const folder = path.join(root, "medglm-micro")
  beforeAll(async () => {
    await ensureBackend()
    writeModel(path.join(artifact, "model"))
    fs.writeFileSync(path.join(artifact, "manifest.json"), JSON.stringify({ zaoji: 1, stage: { id: "medglm-h", plugin: "freeze.train", version: "1" }, output: { model: "model" } }))
    writeModel(folder)
  })

  it("names a stage's model by its stage id, and a plain folder by its name", () => {
    expect(servedModelName(path.join(artifact, "model"))).toBe("medglm-h")
    expect(servedModelName(folder)).toBe("medglm-micro")
    // a manifest that names another output folder says nothing about this one
    const other = path.join(root, "other")
    fs.mkdirSync(path.join(other, "weights"), { recursive: true })
    fs.writeFileSync(path.join(other, "manifest.json"), JSON.stringify({ stage: { id: "x" }, output: { model: "model" } }))
    expect(servedModelName(path.join(other, "weights"))).toBe("weights")
  })

  it("refuses a non-loopback bind without --api-key (exit 2) before loading anything", async () => {
    const previous = process.env.ZAOJI_API_KEY
    delete process.env.ZAOJI_API_KEY
    try {
      // --model-id: the option's earlier name, still accepted
      const r = await cli("serve", path.join(root, "no-such-model"), "--host", "0.0.0.0", "--model-id", "x")
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without an API key.*--api-key/)
    } finally {
      if (previous !== undefined) process.env.ZAOJI_API_KEY = previous
    }
  })

  it("serves a stage artifact as its stage id and a folder under --model-name, to the openai client", async () => {
    const [byStage, byFlag] = await Promise.all([serve([artifact]), serve([folder, "--model-name", "hepato-7b"])])
    try {
      for (const [s, name] of [[byStage, "medglm-h"], [byFlag, "hepato-7b"]] as const) {
        expect(s.name).toBe(name)
        expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
        const client = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: "unused", maxRetries: 0 })
        expect((await client.models.list()).data.map((m) => m.id)).toEqual([name])
        const r = await client.chat.completions.create({ model: name, messages: [{ role: "user", content: "肝" }], max_tokens: 2 })
        expect(r.model).toBe(name)
        await expect(client.chat.completions.create({ model: "model", messages: [{ role: "user", content: "肝" }] })).rejects.toMatchObject({ status: 404 })
      }
    } finally {
      await Promise.all([stop(byStage.child), stop(byFlag.child)])
    }
  })
})
