import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { Effect, Either } from "effect"
import { InputError } from "@zaoji/core"
import { historyMessages, readDialogueScripts } from "../src/human/dialogue.js"

const dirs: Array<string> = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const file = (text: string) => {
  const d = mkdtempSync(join(tmpdir(), "zaoji-scripts-"))
  dirs.push(d)
  const f = join(d, "scripts.jsonl")
  writeFileSync(f, text)
  return f
}
const read = (f: string) => Effect.runPromise(Effect.either(readDialogueScripts(f, "scripts.jsonl")))

describe("dialogue scripts", () => {
  it("keeps the user messages as rounds and system messages as the system prompt", async () => {
    const f = file(
      [
        JSON.stringify({ id: "d1", messages: [{ role: "system", content: "你是肝胆外科医生。" }, { role: "user", content: "我右上腹痛。" }, { role: "assistant", content: "（参考）" }, { role: "user", content: "要做B超吗？" }] }),
        JSON.stringify({ id: "d2", messages: [{ role: "user", content: "黄疸是什么？" }] })
      ].join("\n") + "\n"
    )
    const r = await read(f)
    expect(Either.isRight(r)).toBe(true)
    expect(Either.getOrThrow(r)).toEqual([
      { id: "d1", system: "你是肝胆外科医生。", turns: ["我右上腹痛。", "要做B超吗？"] },
      { id: "d2", system: undefined, turns: ["黄疸是什么？"] }
    ])
  })

  it("names the file, line and field of a bad script", async () => {
    const noUser = await read(file(JSON.stringify({ id: "d1", messages: [{ role: "user", content: "a" }] }) + "\n" + JSON.stringify({ id: "d2", messages: [{ role: "assistant", content: "b" }] }) + "\n"))
    const e1 = Either.getLeft(noUser)
    expect(e1._tag).toBe("Some")
    const err1 = (e1 as any).value as InputError
    expect(err1).toBeInstanceOf(InputError)
    expect(err1.message).toMatch(/scripts\.jsonl:2: messages: expected at least one message with role "user"/)

    const dup = await read(file([1, 2].map(() => JSON.stringify({ id: "x", messages: [{ role: "user", content: "a" }] })).join("\n")))
    expect(((Either.getLeft(dup) as any).value as InputError).message).toMatch(/scripts\.jsonl:2: id: duplicate dialogue id "x" \(first at line 1\)/)

    const bad = await read(file(JSON.stringify({ id: "d1", messages: [{ role: "doctor", content: "a" }] })))
    const err3 = (Either.getLeft(bad) as any).value as InputError
    expect(err3.message).toMatch(/scripts\.jsonl/)
    expect(err3.location).toBe("scripts.jsonl:1")
  })

  it("builds the history of a round from the previous exchanges", async () => {
    expect(historyMessages("sys", [{ user: "u1", reply: "r1" }], "u2")).toEqual([
      { role: "system", content: "sys" },
      { role: "user", content: "u1" },
      { role: "assistant", content: "r1" },
      { role: "user", content: "u2" }
    ])
  })
})
