/**
 * `zaoji new specialty --stage2 freeze|lora|both`: the stage-2 method of the generated workflow.
 * The "both" workflow (freeze and LoRA stage 2 side by side) type-checks and runs in the micro size
 * to a report of four models. Generated inside the repository (test-results/, ignored by git), where
 * the @zaoji/* imports resolve.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { cli } from "./cliInProcess.js"

const repoRoot = path.resolve(import.meta.dirname, "../../..")
fs.mkdirSync(path.join(repoRoot, "test-results"), { recursive: true })
const work = fs.mkdtempSync(path.join(repoRoot, "test-results", "tmp-stage2-"))
const workflowsDir = path.join(work, "workflows")
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))

const exec = (args: ReadonlyArray<string>): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST") && !k.startsWith("TINYPOOL")))
    const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...env, FORCE_COLOR: "0", NO_COLOR: "1" } })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => void (stdout += d))
    child.stderr.on("data", (d: Buffer) => void (stderr += d))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

const read = (name: string) => fs.readFileSync(path.join(workflowsDir, `${name}.workflow.ts`), "utf8")

describe("zaoji new specialty --stage2", () => {
  it("freeze (the default) and lora write the chosen stage 2; an unknown method is refused", async () => {
    expect((await cli("new", "specialty", "frz", "--dir", workflowsDir)).code).toBe(0)
    expect((await cli("new", "specialty", "lowrank", "--stage2", "lora", "--dir", workflowsDir)).code).toBe(0)
    const frz = read("frz")
    expect(frz).toContain('import { Freeze } from "@zaoji/freeze"')
    expect(frz).not.toContain("@zaoji/lora")
    expect(frz).toMatch(/"medglm-h",\s+Freeze\.train/)
    const lora = read("lowrank")
    expect(lora).toContain('import { Lora } from "@zaoji/lora"')
    expect(lora).not.toContain("@zaoji/freeze")
    expect(lora).toMatch(/"medglm-h",\s+Lora\.train/)
    expect(lora).toContain("--set medglm-h.rank=16")
    expect(lora).toContain("Metrics.compare,")
    expect(fs.readFileSync(path.join(workflowsDir, "lowrank/README.md"), "utf8")).toContain("--set medglm-h.rank=16")
    for (const text of [frz, lora]) expect(text).not.toMatch(/\{\{\w+\}\}/)
    const bad = await cli("new", "specialty", "other", "--stage2", "adapter", "--dir", workflowsDir)
    expect(bad.code).toBe(2)
    expect(fs.existsSync(path.join(workflowsDir, "other.workflow.ts"))).toBe(false)
  })

  it("both: freeze and LoRA stage 2 side by side, type-checked, run in the micro size to one report", async () => {
    expect((await cli("new", "specialty", "sidebyside", "--stage2", "both", "--dir", workflowsDir)).code).toBe(0)
    const text = read("sidebyside")
    expect(text).toMatch(/"medglm-h",\s+Freeze\.train/)
    expect(text).toMatch(/"medglm-h-lora",\s+Lora\.train/)
    expect(text).toContain('Metrics.compareModels(["base", "stage1", "stage2", "stage2Lora"])')
    fs.writeFileSync(
      path.join(work, "tsconfig.json"),
      JSON.stringify({ extends: path.relative(work, path.join(repoRoot, "tsconfig.base.json")).split(path.sep).join("/"), include: ["workflows/*.ts"] })
    )
    const tsc = await exec([path.join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", path.join(work, "tsconfig.json"), "--noEmit", "--pretty", "false"])
    expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0)

    const micro = [
      "base.preset=micro", "base.steps=10", "base.batchSize=4", "base.blockLength=32", "base.warmupSteps=0", "base.workers=1",
      "medglm-general.steps=3", "medglm-general.batchSize=4", "medglm-general.workers=1",
      "medglm-h.steps=3", "medglm-h.batchSize=4", "medglm-h.trainableLayers=1", "medglm-h.workers=1",
      "medglm-h-lora.steps=3", "medglm-h-lora.batchSize=4", "medglm-h-lora.rank=2", "medglm-h-lora.workers=1",
      "eval.exam.limit=5", "eval.qa.limit=3", "eval.generalQa.limit=3", "eval.decoding.maxNewTokens=8", "eval.bootstrap.resamples=20"
    ].flatMap((s) => ["--set", s])
    const store = path.join(work, "store")
    const r = await exec([path.join(repoRoot, "tools/cli/bin/zaoji.mjs"), "run", path.join(workflowsDir, "sidebyside.workflow.ts"), "--store", store, "--json", ...micro])
    expect(r.code, r.stderr).toBe(0)
    const events = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
    const done = new Map(events.filter((e) => e.type === "stage" && e.status === "done").map((e) => [e.stage, e.key as string]))
    const manifest = (stage: string) => JSON.parse(fs.readFileSync(path.join(store, "artifacts", done.get(stage)!, "manifest.json"), "utf8"))
    expect(manifest("medglm-h").output.method).toBe("freeze")
    expect(manifest("medglm-h-lora").output.method).toBe("lora")
    // LoRA trains far fewer parameters than freeze tuning of one whole layer
    expect(manifest("medglm-h-lora").output.training.trainableParams).toBeLessThan(manifest("medglm-h").output.training.trainableParams)
    const metrics = JSON.parse(fs.readFileSync(path.join(store, "artifacts", done.get("eval")!, "metrics.json"), "utf8"))
    expect(metrics.models.map((m: { name: string }) => m.name)).toEqual(["base", "stage1", "stage2", "stage2Lora"])
  })
})
