/**
 * Hospital and other institution names, found from their suffix backwards, so the words before them
 * ("患者在…", "转至…") are not swallowed. A name needs at least two characters before the suffix,
 * and generic ones (我院, 外院, 当地医院, 肿瘤医院) are not names.
 */
import type { DeidKind } from "./rule.js"

const HOSPITAL_SUFFIX = /(人民医院|中心医院|附属医院|中医医院|中医院|医院|卫生院|卫生服务中心|卫生服务站|卫生室|诊所|门诊部|保健院|保健所|疗养院|医疗中心|急救中心|血液中心|疾病预防控制中心|疾控中心|体检中心)/g
const OTHER_SUFFIX = /(医科大学|大学|学院|中学|小学|幼儿园|学校|研究所|研究院|有限公司|公司|集团|银行|派出所|法院)/g

/** characters that end a name when walking backwards from its suffix */
const STOP = new Set("在于至到赴往去来我外本该转经及与的患者诊行入住、，,。；;：:（）()“”\"' \n由从就原曾并后前其为被向给请回送返某")

/** prefixes that make a generic place of care, not a name */
const GENERIC = new Set([
  "当地", "上级", "基层", "县级", "市级", "省级", "乡镇", "社区", "私人", "专科", "综合", "大型", "三甲", "三级", "二级",
  "一级", "附近", "多家", "各级", "公立", "民营", "其他", "同一", "这家", "那家", "定点", "外地", "本地", "首诊", "肿瘤",
  "儿童", "妇幼", "妇产", "口腔", "眼科", "传染病", "精神病", "胸科", "康复", "中西医结合", "中医", "西医", "当地县",
  "当地市", "上级医", "卫生", "医疗", "医科", "医学", "该", "一家", "两家", "几家"
])

const replaceBySuffix = (text: string, suffix: RegExp, onHit: () => void, mask: string): string => {
  let out = ""
  let pos = 0
  for (const m of text.matchAll(suffix)) {
    let start = m.index!
    while (start > pos && m.index! - start < 20 && /[\u4e00-\u9fa5A-Za-z\d]/.test(text[start - 1]!) && !STOP.has(text[start - 1]!)) start--
    const prefix = text.slice(start, m.index!)
    if (prefix.length < 2 || GENERIC.has(prefix)) continue
    out += text.slice(pos, start) + mask
    pos = m.index! + m[0].length
    onHit()
  }
  return out + text.slice(pos)
}

export const replaceInstitutions = (
  text: string,
  masks: Readonly<Record<"hospital" | "institution", string>>,
  count: (kind: DeidKind) => void,
  skip: ReadonlySet<DeidKind>
): string => {
  let out = text
  if (!skip.has("hospital")) out = replaceBySuffix(out, HOSPITAL_SUFFIX, () => count("hospital"), masks.hospital)
  if (!skip.has("institution")) out = replaceBySuffix(out, OTHER_SUFFIX, () => count("institution"), masks.institution)
  return out
}
