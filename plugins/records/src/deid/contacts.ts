/**
 * Contact identifiers: phone and fax numbers (mobiles with spaces or dashes, landlines with the area
 * code in any punctuation, bare local numbers after a phone label), e-mail addresses, URLs and IP
 * addresses.
 */
import { type MaskRule, alternation } from "./rule.js"

const PHONE_LABELS = [
  "联系电话", "电话号码", "手机号码", "手机号", "联系方式", "联系号码", "固定电话", "家庭电话", "办公电话", "传真号码",
  "电话", "手机", "座机", "固话", "传真", "联系", "Tel", "TEL", "tel", "Fax", "FAX", "fax", "Phone", "phone", "Mobile", "mobile"
]
const COUNTRY = String.raw`(?:(?:\+|00)\s?86[\s-]?)?`

export const contactRules: ReadonlyArray<MaskRule> = [
  { kind: "email", re: /[A-Za-z0-9._%+-]{1,64}\s?[@＠]\s?[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,}/g },
  {
    kind: "url",
    re: /(?:(?:https?|ftp):\/\/|www\.)[^\s，。；;、）)"'<>\u4e00-\u9fa5]+|(?<![@＠\w.-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:com|cn|net|org|edu|gov|info|io|hk|tw|me|cc)(?:\.cn)?(?::\d+)?(?:\/[^\s，。；;、）)"'<>\u4e00-\u9fa5]*)?(?![A-Za-z0-9])/g
  },
  {
    kind: "ip",
    re: /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?::\d{1,5})?(?![\d.])/g
  },
  // IPv6: "::" somewhere, or at least five groups (a time of day has three)
  { kind: "ip", re: /(?<![\w:])(?:(?:[0-9A-Fa-f]{1,4}:){5,7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5})?|::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4})(?![\w:])/g },
  // a labelled number: anything phone-shaped after the label, local seven- and eight-digit numbers too
  {
    kind: "phone",
    re: new RegExp(String.raw`(${alternation(PHONE_LABELS)})(\s*[：:]?\s*(?:为|是)?\s*)((?:\+|00)?[\d(（][\d\s()（）\-—–转]{5,22}\d)`, "g"),
    replace: (m, mask) => (m[3]!.replace(/\D/g, "").length >= 7 ? `${m[1]}${m[2]}${mask}` : undefined)
  },
  // mobiles: 13912345678, 139 1234 5678, 139-1234-5678, +86 139…
  { kind: "phone", re: new RegExp(String.raw`(?<![\d])${COUNTRY}1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)`, "g") },
  // landlines: 0571-88812345, 0571 88812345, (010)62751234, （010）6275-1234, +86 10 62751234, with an extension
  {
    kind: "phone",
    re: new RegExp(
      String.raw`(?<![\d])(?:${COUNTRY}(?:[(（]0?\d{2,3}[)）]|0\d{2,3})|(?:\+|00)\s?86[\s-]?\d{2,3})[\s\-—–]?\d{3,4}[\s-]?\d{4}(?:\s*(?:转|-|ext\.?|分机)\s*\d{1,5})?(?!\d)`,
      "g"
    )
  }
]
