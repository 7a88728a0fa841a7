import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export const tempDir = (prefix = "zaoji-kg-") => mkdtempSync(join(tmpdir(), prefix))

export const writeFile = (dir: string, name: string, content: string) => {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}

export const entries = [
  {
    name: "胆囊结石",
    departments: ["外科", "肝胆外科"],
    symptoms: ["右上腹绞痛", "恶心", "呕吐"],
    complications: ["急性胆囊炎", "胆源性胰腺炎"],
    checks: ["腹部B超", "腹部CT"],
    drugs: ["熊去氧胆酸胶囊"],
    treatments: ["手术治疗", "药物治疗"],
    cause: "胆汁成分比例失调，胆固醇过饱和析出形成结石。",
    prevention: "规律进食早餐，控制体重。"
  },
  {
    name: "急性胰腺炎",
    departments: ["内科", "消化内科"],
    symptoms: ["上腹痛", "腹胀", "发热"],
    checks: ["血淀粉酶", "腹部CT"],
    drugs: ["奥美拉唑"],
    treatments: ["禁食", "补液"]
  },
  {
    name: "肝硬化",
    departments: ["内科", "肝病"],
    symptoms: ["乏力", "腹水", "黄疸"],
    complications: ["上消化道出血", "肝性脑病"],
    checks: ["肝功能", "腹部B超"]
  }
]

export const kgJsonl = entries.map((e) => JSON.stringify(e)).join("\n") + "\n"
