/**
 * Text-metric throughput: 10,000 (prediction, reference) pairs of about 100 characters, generated
 * deterministically from medical phrases with edits between the two sides, scored with every
 * metric the comparison report shows. The jieba dictionary load is timed separately (once per
 * process).
 */
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { chatglmAggregate, chatglmPairFromTokens, jiebaCut, mulberry32, rougeLChar, sacrebleuZhCorpus } from "@zaoji/metrics/kit"

export interface Row {
  readonly name: string
  readonly value: number
  readonly unit: string
  readonly note?: string
}

const PHRASES = [
  "右上腹疼痛三天", "伴恶心呕吐", "考虑急性结石性胆囊炎", "建议行腹腔镜胆囊切除术", "乙肝病毒DNA定量为2.3×10^5 IU/mL",
  "建议抗病毒治疗", "肝功能提示ALT 120 U/L", "腹部B超示胆囊结石", "术后3-5天可出院", "注意低脂饮食",
  "定期复查肝功能", "必要时行ERCP检查", "体温38.5℃", "血淀粉酶明显升高", "诊断为急性胰腺炎", "予禁食、补液、抑酶治疗"
]
const PUNCT = ["，", "。", "；", "、"]

/** deterministic synthetic pairs: a reference of ~`chars` characters and a prediction with phrase edits */
export const syntheticPairs = (n: number, chars = 100, seed = 42): Array<[string, string]> => {
  const rand = mulberry32(seed)
  const pick = <A>(xs: ReadonlyArray<A>) => xs[Math.floor(rand() * xs.length)]
  const pairs: Array<[string, string]> = []
  for (let i = 0; i < n; i++) {
    const ref: Array<string> = []
    let len = 0
    while (len < chars) {
      const p = pick(PHRASES) + pick(PUNCT)
      ref.push(p)
      len += p.length
    }
    // the prediction drops, replaces or keeps each phrase
    const pred = ref.flatMap((p) => {
      const r = rand()
      return r < 0.15 ? [] : r < 0.35 ? [pick(PHRASES) + pick(PUNCT)] : [p]
    })
    pairs.push([pred.join(""), ref.join("")])
  }
  return pairs
}

/** wall time and CPU time (user + system) of f, in ms; CPU time shows the cost on a busy machine */
const cpuMs = new Map<number, number>()
const time = <A>(f: () => A): [number, A] => {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const a = f()
  const ms = performance.now() - t0
  const c = process.cpuUsage(c0)
  cpuMs.set(ms, (c.user + c.system) / 1000)
  return [ms, a]
}
const cpuNote = (ms: number) => `cpu ${Math.round(cpuMs.get(ms) ?? NaN)} ms`

export const benchMetrics = async (opts: { readonly pairs?: number } = {}): Promise<Row[]> => {
  const n = opts.pairs ?? 10_000
  const pairs = syntheticPairs(n)
  const chars = pairs.reduce((s, [p, r]) => s + Array.from(p).length + Array.from(r).length, 0)
  const [load] = time(() => jiebaCut("预热"))
  const [seg, tokens] = time(() => pairs.map(([p, r]) => [jiebaCut(p), jiebaCut(r)] as const))
  const [chatglm, agg] = time(() => chatglmAggregate(pairs.map(([p, r], i) => chatglmPairFromTokens(p, r, tokens[i][0], tokens[i][1]))))
  const [sacre, bleu] = time(() => sacrebleuZhCorpus(pairs.map((x) => x[0]), pairs.map((x) => x[1])))
  const [rl] = time(() => pairs.map(([p, r]) => rougeLChar(p, r)))
  if (agg.emptyAsZero.n !== n || !(bleu.score > 0)) throw new Error("metrics bench: unexpected results")
  const total = seg + chatglm + sacre + rl
  const totalCpu = [seg, chatglm, sacre, rl].reduce((s, ms) => s + (cpuMs.get(ms) ?? 0), 0)
  const per = (ms: number) => `${((chars / ms) * 1000 / 1e6).toFixed(2)} M chars/s`
  return [
    { name: "metrics: jieba dictionary load (once per process)", value: Math.round(load), unit: "ms", note: cpuNote(load) },
    { name: `metrics: jieba segmentation, ${n} pairs (${chars} chars)`, value: Math.round(seg), unit: "ms", note: `${cpuNote(seg)}, ${per(seg)}` },
    { name: `metrics: ChatGLM ROUGE-1/2/L + BLEU-4 from tokens, ${n} pairs`, value: Math.round(chatglm), unit: "ms", note: cpuNote(chatglm) },
    { name: `metrics: sacreBLEU zh corpus, ${n} pairs`, value: Math.round(sacre), unit: "ms", note: cpuNote(sacre) },
    { name: `metrics: character ROUGE-L, ${n} pairs`, value: Math.round(rl), unit: "ms", note: cpuNote(rl) },
    { name: `metrics: all text metrics, ${n} pairs (excluding dictionary load)`, value: Math.round(total), unit: "ms", note: `cpu ${Math.round(totalCpu)} ms, ${per(total)}` }
  ]
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const rows = await benchMetrics({ pairs: Number(process.argv[2] ?? 10_000) })
  const w = Math.max(...rows.map((r) => r.name.length))
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${String(r.value).padStart(7)} ${r.unit}  ${r.note ?? ""}`)
}
