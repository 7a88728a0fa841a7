import { describe, expect, it } from "vitest"
import { findTorchPython, installCommand } from "../src/torchPython.js"

// an interpreter that exists but cannot import torch: `false` exits 1 whatever its arguments
const noTorch = ["/bin/false"]
const neverInstall = () => {
  throw new Error("must not install")
}

describe("finding PyTorch for the reference side", () => {
  it("prints the Debian install command and skips the reference when not on a terminal, installing nothing", async () => {
    const logged: string[] = []
    const r = await findTorchPython({ candidates: noTorch, interactive: false, log: (l) => logged.push(l), install: neverInstall })
    expect(r).toEqual({ unavailable: `PyTorch not installed (${installCommand()})` })
    expect(logged.join("\n")).toContain("apt-get install -y python3-torch libopenblas0-openmp")
    expect(logged.join("\n")).toContain("the PyTorch reference is skipped")
  })

  it("asks on a terminal and installs nothing unless the answer is yes", async () => {
    const questions: string[] = []
    for (const answer of ["", "n", "no", "yes please"]) {
      const r = await findTorchPython({
        candidates: noTorch,
        interactive: true,
        log: () => {},
        ask: async (q) => {
          questions.push(q)
          return answer
        },
        install: neverInstall
      })
      expect("unavailable" in r).toBe(true)
    }
    expect(questions).toHaveLength(4)
    expect(questions[0]).toContain("apt-get install -y python3-torch")
  })

  it("runs the install command on 'y', then looks again", async () => {
    let installs = 0
    const r = await findTorchPython({
      candidates: noTorch,
      interactive: true,
      log: () => {},
      ask: async () => "y",
      install: () => {
        installs++
        return true
      }
    })
    expect(installs).toBe(1)
    expect(r).toEqual({ unavailable: `torch still does not import after \`${installCommand()}\`` })
  })

  it("writes sudo into the command only when not root", () => {
    expect(installCommand(true)).toBe("apt-get install -y python3-torch libopenblas0-openmp")
    expect(installCommand(false)).toBe("sudo apt-get install -y python3-torch libopenblas0-openmp")
  })
})
