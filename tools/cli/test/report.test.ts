/**
 * `zaoji report`: the results table of an evaluation stage from its metrics.json, found by stage
 * id, artifact key, run id, folder or file, on a store a real (micro) workflow run left.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Exit } from "effect"
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest"
import { microDir, runMicro } from "../../../plugins/metrics/test/leakageWorkflow.js"
import { reportLines } from "../src/reportSummary.js"
import { cli } from "./cliInProcess.js"

afterEach(() => vi.restoreAllMocks())

let store: string
let evalDir: string
let metrics: any

beforeAll(async () => {
  const dir = microDir()
  const r = await runMicro("fixed", dir)
  if (!Exit.isSuccess(r.exit)) throw new Error(`the micro workflow failed: ${r.failure}`)
  store = path.join(dir.root, "store")
  evalDir = r.evalDir!
  metrics = JSON.parse(fs.readFileSync(path.join(evalDir, "metrics.json"), "utf8"))
})

/** the cells of a markdown row, label first */
const cells = (line: string) => line.split("|").slice(1, -1).map((c) => c.trim())

describe("zaoji report", () => {
  it("prints the markdown results table: models across, value [low, high] per cell, n in each label, and the verdicts", async () => {
    const r = await cli("report", "eval", "--store", store, "--markdown")
    expect(r.code, r.stderr).toBe(0)
    const lines = r.stdout.trimEnd().split("\n")
    expect(lines[0]).toBe("| metric | base | stage1 | stage2 |")
    expect(lines[1]).toBe("| --- | ---: | ---: | ---: |")
    const rows = lines.slice(2, lines.indexOf(""))
    expect(rows.length).toBeGreaterThanOrEqual(10)
    for (const row of rows) {
      const [label, ...values] = cells(row)
      expect(label).toMatch(/, n=\d+$/)
      for (const v of values) expect(v).toMatch(/^\d+\.\d+ \[\d+\.\d+, \d+\.\d+\]$/)
    }
    // the numbers are metrics.json's, rounded for reading
    const rl = cells(rows.find((l) => l.startsWith("| general QA ROUGE-L (ChatGLM), n="))!)
    expect(rl.slice(1).map((c) => c.split(" ")[0])).toEqual(["base", "stage1", "stage2"].map((m) => metrics.summary["general_qa.chatglm.rouge-l"][m].toFixed(2)))
    expect(rl[0]).toBe(`general QA ROUGE-L (ChatGLM), n=${metrics.models[0].scores.generalQa.n}`)
    const acc = cells(rows.find((l) => l.startsWith("| exam acc (loglik)"))!)
    const ci = metrics.models[2].scores.exam.loglik.accCi
    expect(acc[3]).toBe(`${metrics.summary["exam.loglik.acc"].stage2.toFixed(3)} [${ci.low.toFixed(3)}, ${ci.high.toFixed(3)}]`)
    // one row per ChatGLM metric (no empty answers here), and the verdicts under the table
    expect(r.stdout).not.toContain("skip raising")
    expect(r.stdout).toContain("Cells: value [95% bootstrap interval] (100 resamples, seed 1234); n = items in the set.")
    expect(r.stdout).toContain("- Forgetting gate (general_qa.chatglm.rouge-l, allowed drop 2 vs stage1): passed")
    expect(r.stdout).toContain("- Evaluation data in training data: none")
    expect(r.stdout).toContain("- Flags: none")
  })

  it("finds the same report by run id, artifact key, artifact folder, metrics.json path and as the latest run's", async () => {
    const byStage = (await cli("report", "eval", "--store", store, "--markdown", "--headline")).stdout
    expect(byStage.split("\n").filter((l) => l.startsWith("| ")).map((l) => cells(l)[0])).toEqual([
      "metric",
      "---",
      "specialty exam accuracy (loglik), n=3",
      "held-out specialty QA ROUGE-L (ChatGLM), n=3",
      "held-out specialty QA BLEU-4 (ChatGLM), n=3",
      `held-out general QA ROUGE-L (ChatGLM), n=${metrics.models[0].scores.generalQa.n}`
    ])
    const runId = JSON.parse((await cli("status", "--store", store, "--json")).stdout).run.id as string
    for (const args of [
      [runId.slice(0, 12), "--store", store],
      [path.basename(evalDir).slice(0, 10), "--store", store],
      [evalDir],
      [path.join(evalDir, "metrics.json")],
      ["--store", store]
    ]) {
      const r = await cli("report", ...args, "--markdown", "--headline")
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0)
      expect(r.stdout, args.join(" ")).toBe(byStage)
    }
    const text = await cli("report", evalDir)
    expect(text.stdout.split("\n")[0]).toBe("micro (fixed wiring)")
    expect(text.stdout).toMatch(/^metric +base +stage1 +stage2$/m)
  })

  it("--json gives the rows with values, intervals and n per model", async () => {
    const r = await cli("report", evalDir, "--json")
    const out = JSON.parse(r.stdout)
    const row = out.rows.find((x: any) => x.id === "qa.chatglm.rouge-l")
    expect(row.values.stage2).toEqual({ value: metrics.summary["qa.chatglm.rouge-l"].stage2, low: expect.any(Number), high: expect.any(Number), n: 3 })
    expect(out.leakage.verdict).toBe("clean")
  })

  it("says what is wrong with a target that is not an evaluation report", async () => {
    const notEval = await cli("report", "base", "--store", store)
    expect(notEval.code).toBe(2)
    expect(notEval.stderr).toContain("base (stage base, test.bigram-train) has no metrics.json: it is not an evaluation (metrics.compare) stage")
    const nothing = await cli("report", "no-such-thing", "--store", store)
    expect(nothing.code).toBe(2)
    expect(nothing.stderr).toContain('"no-such-thing" is neither a file, a folder, a built stage id, an artifact key nor a run id')
    const bogus = path.join(path.dirname(store), "bogus.json")
    fs.writeFileSync(bogus, JSON.stringify({ schema: "something/1", models: [] }))
    const bad = await cli("report", bogus)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/bogus\.json: not a metrics\.compare metrics\.json \(schema: .*; title: .*models: /)
    const digits = await cli("report", evalDir, "--digits", "12")
    expect(digits.code).toBe(2)
    // @effect/cli prints help through the console
    const logged: Array<string> = []
    vi.spyOn(console, "log").mockImplementation((...xs: Array<unknown>) => void logged.push(xs.join(" ")))
    expect((await cli("report", "--help")).code).toBe(0)
    const help = logged.join("\n")
    expect(help).toContain("--markdown")
    expect(help).toContain("a metrics.json, a folder holding one, a stage id or artifact key, or a run id")
  })

  it("zaoji run's lines under its score table name the leakage verdict and the flags", async () => {
    const r = await runMicro("fixed", microDir(), ["medglm-h.epochs=0"])
    if (!Exit.isSuccess(r.exit)) throw new Error(r.failure)
    const lines = reportLines(r.exit.value)
    expect(lines).toContain("regression gate: passed")
    expect(lines).toContain("evaluation data in training data: none")
    expect(lines.filter((l) => l.startsWith("flag "))).toEqual([
      expect.stringMatching(/^flag no-effect: stage2: all \d+ predictions \(exam\.loglik, qa, general_qa\) equal those of stage1/)
    ])
  })

  it("states allowed leakage, and that the forgetting gate was judged on trained-on items", async () => {
    const r = await runMicro("old", microDir(), ["eval.leakage.maxFraction=0.9"])
    if (!Exit.isSuccess(r.exit)) throw new Error(r.failure)
    const out = (await cli("report", r.evalDir!, "--markdown", "--headline")).stdout
    expect(out).toMatch(/- Evaluation data in training data: within the allowed 90\.0% — worst general QA × stage2: \d+ of \d+ \(\d+\.\d%\)/)
    expect(out).toMatch(/- Forgetting gate \(general_qa\.chatglm\.rouge-l, allowed drop 2 vs stage1\): passed \(caution: judged on general QA items that stage2 \(\d+ of \d+\) trained on\)/)
  })
})

