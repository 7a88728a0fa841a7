import { mkdtempSync, writeFileSync, mkdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { artifactOf, runStageOnce } from "@zaoji/core"
import { useBackend } from "@zaoji/tensor"
import { pretrain } from "@zaoji/glm-runtime"
await useBackend("wasm")
const dir = mkdtempSync(join(tmpdir(), "pt-"))
mkdirSync(join(dir, "d"))
const organs = ["肝", "胆囊", "胆管", "胰腺", "脾", "胃"], s = ["腹痛", "发热", "黄疸", "恶心"]
writeFileSync(join(dir, "d", "c.jsonl"), Array.from({ length: 400 }, (_, i) => JSON.stringify({ id: `${i}`, question: `${organs[i % 6]}病有什么症状？`, answer: `${organs[i % 6]}病常见${s[i % 4]}和${s[(i * 3) % 4]}，需要检查。` })).join("\n"))
const t = performance.now()
const out = await Effect.runPromise(runStageOnce(pretrain, { preset: process.argv[2] ?? "tiny", workers: (process.argv[3] === "auto" ? "auto" : Number(process.argv[3] ?? 1)) as any }, { corpus: artifactOf({ file: "c.jsonl" }, join(dir, "d")) }, join(dir, "s")))
const tr = out.value.training
console.log(`seconds ${((performance.now() - t) / 1000).toFixed(1)} steps ${tr.steps} workers ${tr.workers} first ${tr.lossCurve[0].loss.toFixed(3)} last ${tr.lossCurve.at(-1)!.loss.toFixed(3)} eval ${tr.finalEvalLoss?.toFixed(3)} tok/s ${tr.tokensPerSecond.toFixed(0)} rss ${(tr.peakRssBytes / 2 ** 20).toFixed(0)}MiB`)
