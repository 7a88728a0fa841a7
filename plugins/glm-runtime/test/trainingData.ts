/** Small synthetic medical-style texts and QA pairs for the training tests (generated, not real data). */
import { writeFileSync } from "node:fs"
import { join } from "node:path"

const organs = ["肝", "胆囊", "胆管", "胰腺", "脾", "胃"]
const diseases = ["炎", "结石", "囊肿", "肿瘤", "出血"]
const symptoms = ["腹痛", "发热", "黄疸", "恶心", "乏力", "食欲减退"]
const tests = ["超声", "CT", "磁共振", "血常规", "肝功能"]

export const syntheticQa = (n: number): Array<{ id: string; question: string; answer: string }> =>
  Array.from({ length: n }, (_, i) => {
    const d = organs[i % organs.length]! + diseases[(i * 7) % diseases.length]!
    const s = symptoms[(i * 3) % symptoms.length]!
    const t = tests[(i * 5) % tests.length]!
    return i % 2 === 0
      ? { id: `q${i}`, question: `${d}有什么症状？`, answer: `${d}常见${s}，应做${t}检查。` }
      : { id: `q${i}`, question: `${d}怎么检查？`, answer: `${d}可用${t}明确诊断。` }
  })

/** Write rows as JSON Lines into `dir/name` and return the file name (relative). */
export const writeJsonl = (dir: string, name: string, rows: ReadonlyArray<unknown>): string => {
  writeFileSync(join(dir, name), rows.map((r) => JSON.stringify(r)).join("\n") + "\n")
  return name
}
