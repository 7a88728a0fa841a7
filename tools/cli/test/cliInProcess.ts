import { vi } from "vitest"
import { runCli } from "../src/index.js"

/** Run the CLI in-process, capturing what it prints. */
export const cli = async (...args: string[]) => {
  let stdout = ""
  let stderr = ""
  const out = vi.spyOn(process.stdout, "write").mockImplementation((s: any) => ((stdout += String(s)), true))
  const err = vi.spyOn(process.stderr, "write").mockImplementation((s: any) => ((stderr += String(s)), true))
  try {
    const outcome = await runCli(["node", "zaoji", ...args])
    return { code: outcome.code, stdout, stderr }
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}
