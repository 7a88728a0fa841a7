/**
 * Ages over 89 are a Safe Harbor identifier on their own (few people are that old): they become
 * "90岁以上", in digits or in Chinese numerals, after 年龄 or before 岁.
 */
import type { MaskRule } from "./rule.js"

const CN_OVER_89 = "(?:九十[一二三四五六七八九]?|一百(?:零[一二三四五六七八九]|一十[一二三四五六七八九]?|[一二]十[一二三四五六七八九]?)?)"

export const ageRules: ReadonlyArray<MaskRule> = [
  { kind: "age", re: /(?<![\d.])(?:9\d|1[0-4]\d)\s*(?:周岁|岁|y(?:ears?|rs?)?(?![A-Za-z]))/g, replace: () => "90岁以上" },
  { kind: "age", re: new RegExp(`${CN_OVER_89}\\s*(?:周岁|岁)`, "g"), replace: () => "90岁以上" },
  { kind: "age", re: /(年龄\s*[：:]?\s*)(?:9\d|1[0-4]\d)(?![\d.])/g, replace: (m) => `${m[1]}90岁以上` }
]
