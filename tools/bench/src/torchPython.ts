/**
 * Finding the Python that has PyTorch, for the reference side of the runtime and training benchmarks.
 *
 * Nothing is installed behind the user's back: when no Python imports torch, the benchmark prints the
 * command that installs Debian's PyTorch and runs without the reference; only when both stdin and
 * stdout are a terminal does it offer to run that command, and it runs it only on an explicit "y".
 */
import { spawnSync } from "node:child_process"
import { createInterface } from "node:readline/promises"

/** Debian's PyTorch, with the OpenBLAS that makes it fast (the default reference BLAS is ~30× slower). */
export const torchPackages: ReadonlyArray<string> = ["python3-torch", "libopenblas0-openmp"]

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0

/** The install command as a user would type it. */
export const installCommand = (root = isRoot()): string => `${root ? "" : "sudo "}apt-get install -y ${torchPackages.join(" ")}`

export type TorchPython = { readonly python: string } | { readonly unavailable: string }

const importsTorch = (python: string): boolean => spawnSync(python, ["-c", "import torch"], { stdio: "ignore" }).status === 0

/**
 * Pythons to try, in order: ZAOJI_TORCH_PYTHON, every python3 on PATH (a version manager's python3 may
 * shadow the system one that has the distribution's torch), then /usr/bin/python3.
 */
export const pythonCandidates = (env: NodeJS.ProcessEnv = process.env): string[] => {
  const onPath = (spawnSync("which", ["-a", "python3"], { encoding: "utf8", env }).stdout ?? "").split("\n").map((l) => l.trim())
  return [...new Set([env.ZAOJI_TORCH_PYTHON ?? "", ...onPath, "/usr/bin/python3"].filter((p) => p !== ""))]
}

export interface FindTorchOptions {
  readonly candidates?: ReadonlyArray<string>
  /** ask before installing (default: when stdin and stdout are terminals) */
  readonly interactive?: boolean
  /** where the notice goes (default stderr) */
  readonly log?: (line: string) => void
  /** the question, answered "y" to install (default: readline on the terminal) */
  readonly ask?: (question: string) => Promise<string>
  /** runs the install command (default: apt-get with the terminal attached, via sudo unless root) */
  readonly install?: () => boolean
}

const askOnTerminal = async (question: string): Promise<string> => {
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    return await rl.question(question)
  } finally {
    rl.close()
  }
}

const aptInstall = (): boolean => {
  const [cmd, ...args] = installCommand().split(" ") as [string, ...string[]]
  return spawnSync(cmd, args, { stdio: "inherit" }).status === 0
}

/** The first candidate that imports torch; otherwise print how to install it (or ask, on a terminal). */
export const findTorchPython = async (options: FindTorchOptions = {}): Promise<TorchPython> => {
  const candidates = options.candidates ?? pythonCandidates()
  const log = options.log ?? ((l: string) => process.stderr.write(`${l}\n`))
  const found = candidates.find(importsTorch)
  if (found !== undefined) return { python: found }
  const command = installCommand()
  const skipped = `PyTorch is not installed (no ${candidates.join(", ")} imports torch): the PyTorch reference is skipped. Install it with:\n  ${command}\nor point ZAOJI_TORCH_PYTHON at a Python that has torch.`
  const interactive = options.interactive ?? (process.stdin.isTTY === true && process.stdout.isTTY === true)
  if (!interactive) {
    log(skipped)
    return { unavailable: `PyTorch not installed (${command})` }
  }
  const answer = await (options.ask ?? askOnTerminal)(`PyTorch (the benchmark's reference) is not installed. Run \`${command}\` now? [y/N] `)
  if (!/^y(es)?$/i.test(answer.trim())) {
    log(skipped)
    return { unavailable: `PyTorch not installed (${command})` }
  }
  if (!(options.install ?? aptInstall)()) return { unavailable: `\`${command}\` failed: the PyTorch reference is skipped` }
  const after = candidates.find(importsTorch)
  return after !== undefined ? { python: after } : { unavailable: `torch still does not import after \`${command}\`` }
}
