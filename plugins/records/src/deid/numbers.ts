/**
 * Identifying numbers: resident ID numbers (18 and 15 digits, also written in groups), and every
 * labelled number — 住院号, 门诊号, 病案号, 床号, 医保卡号, 影像号, 检查号, 标本号 and any other
 * "…号" / ID label — in whatever alphanumeric form it is written, plus bed numbers (12床).
 */
import { id15Source, id18Source } from "./idNumber.js"
import { HAN, type MaskRule, alternation } from "./rule.js"

const ID_LABELS = ["公民身份号码", "身份证号码", "身份证号", "身份证", "证件号码", "证件号", "护照号码", "护照号", "军官证号"]

/** labels known to name a record, card or specimen number (a label need not end in 号) */
const NUMBER_LABELS = [
  "住院号", "门诊号", "急诊号", "病案号", "病历号", "病理号", "登记号", "档案号", "影像号", "放射号", "检查号", "检验号",
  "标本号", "样本号", "切片号", "蜡块号", "条码号", "申请单号", "报告单号", "报告号", "流水号", "住院流水号", "床号", "床位号",
  "医保卡号", "医保号", "医保编号", "社保卡号", "社保号", "就诊卡号", "诊疗卡号", "健康卡号", "健康档案号", "卡号", "账号",
  "工号", "会员号", "车牌号", "驾驶证号", "胃镜号", "肠镜号", "内镜号", "超声号", "心电图号", "CT号", "MR号", "MRI号",
  "X线号", "DR号", "PET号", "ID号", "编号", "序列号", "条码", "医保卡", "就诊卡", "社保卡"
]
/** Latin labels need a separator after them, so IDH1 or No2 in running text are not numbers */
const LATIN_LABELS = ["病人ID", "患者ID", "住院ID", "门诊ID", "ID", "PID", "MRN", "No."]

const DATE_LIKE = /^(?:19|20)\d{2}(?:[-./]\d{1,2}[-./]\d{1,2}|(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))$/

export const numberRules: ReadonlyArray<MaskRule> = [
  { kind: "id_card", re: new RegExp(`(${alternation(ID_LABELS)})(\\s*[：:]?\\s*(?:为|是)?\\s*)[\\dXx][\\dXx\\s-]{13,22}[\\dXx]`, "g"), replace: (m, mask) => `${m[1]}${m[2]}${mask}` },
  { kind: "id_card", re: new RegExp(id18Source, "g") },
  { kind: "id_card", re: new RegExp(id15Source, "g") },
  {
    kind: "record_number",
    re: new RegExp(`(${alternation(NUMBER_LABELS)})(\\s*[：:#＃]?\\s*(?:为|是)?\\s*)([A-Za-z\\d][-\\w./]*)`, "g"),
    // the value must hold a digit: "ID：见上" is not a number
    replace: (m, mask) => (/\d/.test(m[3]!) ? `${m[1]}${m[2]}${mask}` : undefined)
  },
  {
    kind: "record_number",
    re: new RegExp(`(?<![A-Za-z])(${alternation(LATIN_LABELS)})(\\s*[：:#＃]\\s*|\\s+)([A-Za-z\\d][-\\w./]*)`, "g"),
    replace: (m, mask) => (/\d/.test(m[3]!) ? `${m[1]}${m[2]}${mask}` : undefined)
  },
  {
    // any other "…号" / "…号码" / "…编号" label followed by a colon and an alphanumeric value
    kind: "record_number",
    re: new RegExp(`([${HAN}A-Za-z]{1,6}(?:号码|编号|号))(\\s*[：:#＃]\\s*)([A-Za-z\\d][-\\w./]*)`, "g"),
    replace: (m, mask) => (/\d/.test(m[3]!) ? `${m[1]}${m[2]}${mask}` : undefined)
  },
  // a pathology or specimen number in brackets after the report it belongs to: 术后病理（201512345）
  {
    kind: "record_number",
    re: /(病理|病检|冰冻|活检|免疫组化|会诊|切片)((?:回报|结果|报告|回示|示)?\s*[（(]\s*)([A-Za-z]{0,4}\d[\w\-/.]*)(\s*[)）])/g,
    replace: (m, mask) => (m[3]!.replace(/\D/g, "").length >= 3 ? `${m[1]}${m[2]}${mask}${m[4]}` : undefined)
  },
  // a code of five or more digits alone in brackets: a specimen or report number (（201512345）, (B2015-12345))
  {
    kind: "record_number",
    re: /(?<=[（(]\s*)[A-Za-z]{0,4}\d{5,}[\w\-/]*(?=\s*[)）])|(?<=[（(]\s*)[A-Za-z]{0,4}\d[\d\-]{4,}\d(?=\s*[)）])/g,
    // a date in brackets is left to the date rules, which make it relative
    replace: (m, mask) => (DATE_LIKE.test(m[0]) ? undefined : mask)
  },
  // bed numbers written after the number: 12床, 3号床, 第5床, +12床
  { kind: "record_number", re: /(?:第|\+)?\d{1,3}\s*号?\s*床(?![位旁边])/g }
]
