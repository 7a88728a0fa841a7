import * as path from "node:path"
import ts from "typescript"
import { describe, expect, it } from "vitest"

describe("workflow DSL typing", () => {
  it("rejects wrong wiring at compile time (every @ts-expect-error is used) and accepts correct wiring", () => {
    const root = path.resolve(import.meta.dirname, "../..")
    const cfg = ts.getParsedCommandLineOfConfigFile(path.join(root, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!
    const file = path.join(import.meta.dirname, "fixtures", "wiring.typecheck.ts")
    const program = ts.createProgram([file], { ...cfg.options, noEmit: true, skipLibCheck: true })
    const diags = ts.getPreEmitDiagnostics(program, program.getSourceFile(file))
    const text = diags.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))
    // an unused @ts-expect-error (i.e. wiring that should fail but compiles) is itself an error
    expect(text).toEqual([])
  }, 120_000)
})
