import { describe, expect, it } from "vitest"
import { jiebaCut } from "../src/kit.js"
import { defaultDictionary, JIEBA_0_42_1_DISTINCT_WORDS, JIEBA_0_42_1_TOTAL, parseDictionary } from "../src/text/jieba/dictionary.js"

// expected tokens were produced by Python jieba 0.42.1 (`list(jieba.cut(text))`, default dictionary)
const CASES: Array<[string, Array<string>]> = [
  ["术后3-5天可出院，B超提示胆囊结石。", ["术后", "3", "-", "5", "天可", "出院", "，", "B超", "提示", "胆囊结石", "。"]],
  [
    "患者张三丰自述右上腹隐痛伴皮肤巩膜黄染，拟行ERCP取石。",
    ["患者", "张三丰", "自述", "右", "上腹", "隐痛", "伴", "皮肤", "巩膜", "黄染", "，", "拟行", "ERCP", "取石", "。"]
  ],
  [
    "ALT 120 U/L\r\n总胆红素38.5μmol/L\t复查",
    ["ALT", " ", "120", " ", "U", "/", "L", "\r\n", "总", "胆红素", "38.5", "μ", "mol", "/", "L", "\t", "复查"]
  ],
  ["小明硕士毕业于中国科学院计算所，后在日本京都大学深造", ["小明", "硕士", "毕业", "于", "中国科学院", "计算所", "，", "后", "在", "日本京都大学", "深造"]],
  // 杭研 is not in the dictionary: the HMM joins it
  ["他来到了网易杭研大厦", ["他", "来到", "了", "网易", "杭研", "大厦"]],
  [
    "肝功能：ALT↑，AST↑；C++与c#、100%、a.b_c&d",
    ["肝功能", "：", "ALT", "↑", "，", "AST", "↑", "；", "C++", "与", "c#", "、", "100%", "、", "a", ".", "b", "_", "c", "&", "d"]
  ],
  ["  双空格  和全角　空格𬌗😊", [" ", " ", "双", "空格", " ", " ", "和", "全角", "　", "空格", "𬌗", "😊"]],
  ["乙肝病毒携带者应定期复查甲胎蛋白及肝脏彩超", ["乙肝病毒", "携带者", "应", "定期", "复查", "甲胎蛋白", "及", "肝脏", "彩超"]]
]

describe("jieba 0.42.1 segmentation", () => {
  for (const [text, want] of CASES) it(JSON.stringify(text), () => expect(jiebaCut(text)).toEqual(want))

  it("loads jieba 0.42.1's default dictionary (word count and total frequency checked)", () => {
    const d = defaultDictionary()
    expect(d.words).toBe(JIEBA_0_42_1_DISTINCT_WORDS)
    expect(d.total).toBe(JIEBA_0_42_1_TOTAL)
    expect(d.freq.get("胆囊结石")).toBeGreaterThan(0)
    // a prefix of a word that is not a word itself is present with frequency 0
    expect(d.freq.get("乙肝病")).toBe(0)
  })

  it("reports a malformed dictionary line by number", () => {
    expect(() => parseDictionary("胆囊 12 n\n结石 x n\n")).toThrow(/line 2/)
  })
})
