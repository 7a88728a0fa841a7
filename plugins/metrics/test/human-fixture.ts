/** A small blind kit shared by the human-evaluation server and browser tests. */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeBlindKit, writeBlindKit, type BlindKit } from "../src/human/blindKit.js"

export const QUESTIONS = ["胆囊结石有哪些症状？", "乙肝患者饮食要注意什么？", "肝功能检查包括哪些项目？"]
export const MODELS = ["base", "stage1", "stage2"] as const
const TEXTS: Record<string, Array<string>> = {
  base: ["可能会痛。", "少吃油。", "查血。"],
  stage1: ["右上腹痛，进食油腻后加重。", "清淡饮食，戒酒。", "转氨酶、胆红素、白蛋白。"],
  stage2: ["典型为胆绞痛，可放射至右肩背，伴恶心呕吐。", "低脂高蛋白饮食，严格戒酒，定期复查肝功能。", "ALT、AST、总胆红素、白蛋白、凝血酶原时间等。"]
}

export interface Fixture {
  readonly root: string
  readonly kitDir: string
  readonly kit: BlindKit
  /** the model behind label `label` of question `questionId` (what the test knows and raters don't) */
  readonly modelOf: (questionId: string, label: string) => string
}

export const makeFixtureKit = (seed = 11): Fixture => {
  const root = mkdtempSync(join(tmpdir(), "zaoji-rate-"))
  const kitDir = join(root, "kit")
  const kit = makeBlindKit({
    questions: QUESTIONS,
    answers: TEXTS,
    conversations: (["base", "stage2"] as const).map((model) => ({
      scriptId: "d1",
      model,
      turns: [
        { user: "我右上腹痛两天了。", reply: `${TEXTS[model]![0]}` },
        { user: "需要做什么检查？", reply: `${TEXTS[model]![2]}` }
      ]
    })),
    seed,
    title: "肝胆问答盲评"
  })
  writeBlindKit(kitDir, kit)
  return { root, kitDir, kit, modelOf: (q, l) => kit.mapping.questions[q]![l]! }
}
