/**
 * Answer-letter extraction from a generated reply, tried in this order (first hit wins):
 *
 * 1. the reply starts with a letter of an existing option (after an opening bracket), followed by
 *    the end, whitespace, punctuation or that option's text: "C", "C.", "（C）", "C、出血量", "C出血量";
 * 2. an explicit statement: 答案/正确答案/答 followed by 是/为/应为/：/: and a letter, or 选/选择
 *    (optionally 项) followed by a letter;
 * 3. exactly one distinct existing option letter appears as a standalone ASCII letter;
 * 4. exactly one option's full text appears in the reply.
 *
 * Otherwise the reply is unparsed (null), which counts as wrong.
 */
import type { ExamQuestion } from "@zaoji/data"
import { type Letter, optionLetters } from "./prompt.js"

export const extractAnswer = (reply: string, q: ExamQuestion): Letter | null => {
  const allowed = optionLetters(q)
  const ok = (l: string | undefined): l is Letter => l !== undefined && (allowed as Array<string>).includes(l)
  const text = reply.trim()
  const lead = /^[（(【\[]?\s*([A-E])(.*)$/s.exec(text)
  if (lead && ok(lead[1])) {
    const after = lead[2]
    if (after === "" || /^[\s.．、:：)）\]】,，。]/.test(after) || after.startsWith(q.options[lead[1]])) return lead[1]
  }
  const stated =
    /(?:正确答案|答案|答)\s*(?:应该是|应为|是|为|选)?\s*[：:]?\s*[（(【\[]?\s*([A-E])(?![A-Za-z])/.exec(text) ??
    /选(?:择)?(?:项)?\s*[（(【\[]?\s*([A-E])(?![A-Za-z])/.exec(text)
  if (ok(stated?.[1])) return stated![1] as Letter
  const standalone = new Set<string>()
  for (const m of text.matchAll(/(?<![A-Za-z])([A-E])(?![A-Za-z])/g)) if (ok(m[1])) standalone.add(m[1])
  if (standalone.size === 1) return [...standalone][0] as Letter
  const byText = allowed.filter((l) => text.includes(q.options[l]))
  if (byText.length === 1) return byText[0]
  return null
}
