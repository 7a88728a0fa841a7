/**
 * Runs the PyTorch side (`torch_bench.py`, beside this file) on the shared reference model
 * (`anchors/glm_reference.py`) and returns its timings. The script does the same work as Zaoji:
 * see its docstring for how the LM head is restricted to the same rows.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { hasShared, sharedPath } from "@zaoji/testing"
import type { TrainMode } from "./flops.js"

const script = fileURLToPath(new URL("./torch_bench.py", import.meta.url))

export interface TorchShape {
  readonly vocab: number
  readonly hidden: number
  readonly heads: number
  readonly layers: number
  readonly ffn: number
  readonly seq: number
  readonly batch: number
  readonly freezeLayers: number
  readonly preSeqLen: number
  /** LoRA training: the script's defaults (r 8, α 16, all four linears) when absent */
  readonly lora?: LoraShape
}

/** LoRA's rank, α and the linears adapted in every layer (PEFT's target_modules) */
export interface LoraShape {
  readonly rank: number
  readonly alpha: number
  readonly targets: ReadonlyArray<string>
}

export interface TorchTrainResult {
  readonly mode: TrainMode
  readonly threads: number
  readonly steps: number
  readonly s_per_step: number
  readonly tokens_per_step: number
  readonly head_rows_per_step: number
  readonly trainable_params: number
}

export interface TorchRuntimeResult {
  readonly threads: number
  readonly prompt_tokens: number
  readonly prefill8_shape: [number, number]
  readonly gen_tokens: number
  /** best seconds per measure */
  readonly seconds: { readonly prefill1: number; readonly prefill8: number; readonly decode1: number; readonly decode8: number }
}

/** The folder of the reference model, or why there is none. */
export const referenceFolder = (): { folder: string } | { unavailable: string } => {
  if (!hasShared) return { unavailable: "the shared reference folder is not present" }
  const folder = sharedPath("anchors")
  if (!existsSync(join(folder, "glm_reference.py"))) return { unavailable: "anchors/glm_reference.py is missing from the shared folder" }
  return { folder }
}

const shapeArgs = (s: TorchShape): string[] => [
  "--vocab", `${s.vocab}`, "--hidden", `${s.hidden}`, "--heads", `${s.heads}`, "--layers", `${s.layers}`, "--ffn", `${s.ffn}`,
  "--seq", `${s.seq}`, "--batch", `${s.batch}`, "--freeze-layers", `${s.freezeLayers}`, "--pre-seq-len", `${s.preSeqLen}`,
  ...(s.lora ? ["--lora-rank", `${s.lora.rank}`, "--lora-alpha", `${s.lora.alpha}`, "--lora-targets", s.lora.targets.join(",")] : [])
]

const run = <A>(python: string, folder: string, threads: ReadonlyArray<number>, shape: TorchShape, task: string[]): { torch: string; results: A[] } => {
  const dir = mkdtempSync(join(tmpdir(), "zaoji-torch-"))
  try {
    const out = join(dir, "out.json")
    execFileSync(python, [script, "--reference", folder, "--json", out, "--threads", threads.join(","), ...shapeArgs(shape), ...task], {
      stdio: ["ignore", "ignore", "pipe"]
    })
    return JSON.parse(readFileSync(out, "utf8"))
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? "").trim().split("\n").slice(-3).join(" / ")
    throw new Error(`the PyTorch side failed: ${stderr || (e as Error).message.split("\n")[0]}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export const torchTrain = (python: string, folder: string, shape: TorchShape, mode: TrainMode, threads: number, minSeconds: number) =>
  run<TorchTrainResult>(python, folder, [threads], shape, ["train", "--mode", mode, "--min-seconds", `${minSeconds}`])

export const torchRuntime = (python: string, folder: string, shape: TorchShape, threads: ReadonlyArray<number>, genTokens: number, promptTokens: number, reps: number) =>
  run<TorchRuntimeResult>(python, folder, threads, shape, ["runtime", "--gen-tokens", `${genTokens}`, "--gen-prompt", `${promptTokens}`, "--reps", `${reps}`])
