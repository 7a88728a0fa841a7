/**
 * The LLM judge's instructions and the validation of its answer. The judge sees the question, the
 * reference answer, the rubric (if any) and the answer under test, and must reply with one JSON
 * object `{"score": <number 0–10>, "reason": "<short text>"}`. Anything else is rejected and asked
 * again (it counts as a failed attempt).
 */
import { Either, Schema } from "effect"
import type { SubjectiveItem } from "./scoreRate.js"
import { errorMessage } from "@zaoji/core"

/** bump when the wording changes: cached judgements are keyed by it */
export const JUDGE_PROMPT_VERSION = "1"

export const JudgeVerdict = Schema.Struct({
  score: Schema.Number.pipe(Schema.between(0, 10)),
  reason: Schema.optionalWith(Schema.String, { default: () => "" })
})
export type JudgeVerdict = typeof JudgeVerdict.Type

const SYSTEM =
  "你是一名严谨的医学考试阅卷专家。请依据参考答案和评分标准，对考生答案的医学准确性、完整性和安全性打分。" +
  '只输出一个JSON对象：{"score": 0到10之间的数字, "reason": "简短理由"}，不要输出其他内容。'

export const judgeMessages = (item: SubjectiveItem, answer: string): Array<{ role: "system" | "user"; content: string }> => [
  { role: "system", content: SYSTEM },
  {
    role: "user",
    content:
      `题目：${item.question}\n` +
      `参考答案：${item.reference}\n` +
      (item.rubric.trim() !== "" ? `评分标准：${item.rubric}\n` : "") +
      `满分：10分\n` +
      `考生答案：${answer}\n` +
      `请给出分数。`
  }
]

/** the verdict in a judge reply (a JSON object, possibly inside a code fence or prose), or why not */
export const parseJudgeReply = (content: string): JudgeVerdict | Error => {
  const start = content.indexOf("{")
  const end = content.lastIndexOf("}")
  if (start < 0 || end <= start) return new Error('no JSON object in the judge reply (expected {"score": 0-10, "reason": "..."})')
  let raw: unknown
  try {
    raw = JSON.parse(content.slice(start, end + 1))
  } catch (e) {
    return new Error(`judge reply is not valid JSON (${errorMessage(e)})`)
  }
  const r = Schema.decodeUnknownEither(JudgeVerdict)(raw)
  return Either.isRight(r)
    ? r.right
    : new Error(`judge reply has the wrong shape: expected {"score": number 0-10, "reason": string} (${r.left.message.split("\n")[0]})`)
}
