/**
 * De-identification: the HIPAA Safe Harbor identifiers in the forms Chinese records write them.
 * Every replacement is counted by kind only (never the value), so a run can be audited without the
 * audit log itself leaking what it removed. Exact dates are made relative to the record's latest
 * date (`relativizeDates`), which keeps the course of illness readable.
 *
 * While the rules run, a masked span is one private-use character per kind: no later rule can match
 * inside a replacement (a [地址] token holds 地址, a label of the address rule), and the tokens are
 * written out at the end.
 */
import { addressRules } from "./deid/addresses.js"
import { ageRules } from "./deid/ages.js"
import { contactRules } from "./deid/contacts.js"
import { replaceInstitutions } from "./deid/institutions.js"
import { applyNameRules, nameRules } from "./deid/names.js"
import { numberRules } from "./deid/numbers.js"
import { type DeidCounts, type DeidKind, DeidKinds, type MaskRule } from "./deid/rule.js"

export { DeidKinds, type DeidKind, type DeidCounts } from "./deid/rule.js"
export { relativizeDates, relativeDate, findDates } from "./deid/dates.js"

export interface DeidOptions {
  /** kinds to leave alone (default: none) */
  readonly skip?: ReadonlyArray<DeidKind>
  /** extra names known to be people (e.g. from a roster), always replaced */
  readonly knownNames?: ReadonlyArray<string>
}

/** what each kind reads as in the output */
export const maskTokens: Readonly<Record<Exclude<DeidKind, "date" | "age">, string>> = {
  name: "[姓名]",
  id_card: "[身份证号]",
  phone: "[电话]",
  email: "[邮箱]",
  url: "[网址]",
  ip: "[IP地址]",
  record_number: "[编号]",
  hospital: "[医院]",
  institution: "[机构]",
  address: "[地址]"
}
type Masked = keyof typeof maskTokens

const PUA_BASE = 0xe000
const placeholder = (kind: Masked) => String.fromCharCode(PUA_BASE + DeidKinds.indexOf(kind))
const PLACEHOLDERS = new RegExp(`[${String.fromCharCode(PUA_BASE)}-${String.fromCharCode(PUA_BASE + DeidKinds.length - 1)}]`, "g")
const finalize = (text: string) => text.replace(PLACEHOLDERS, (c) => maskTokens[DeidKinds[c.charCodeAt(0) - PUA_BASE] as Masked])

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

const applyRules = (text: string, rules: ReadonlyArray<MaskRule>, skip: ReadonlySet<DeidKind>, count: (k: DeidKind) => void): string => {
  let out = text
  for (const rule of rules) {
    if (skip.has(rule.kind)) continue
    rule.re.lastIndex = 0
    out = out.replace(rule.re, (...args: Array<any>) => {
      // rebuild a match array (groups, index, input) for the rule's replace function
      const hasGroups = typeof args[args.length - 1] === "object"
      const input = args[args.length - (hasGroups ? 2 : 1)] as string
      const index = args[args.length - (hasGroups ? 3 : 2)] as number
      const m = Object.assign(args.slice(0, args.length - (hasGroups ? 3 : 2)), { index, input }) as unknown as RegExpMatchArray
      const mask = placeholder(rule.kind as Masked)
      const replaced = rule.replace ? rule.replace(m, mask) : mask
      if (replaced === undefined) return m[0]!
      count(rule.kind)
      return replaced
    })
  }
  return out
}

export const deidentify = (text: string, counts: DeidCounts, options: DeidOptions = {}): string => {
  const skip = new Set(options.skip ?? [])
  const count = (kind: DeidKind) => {
    counts[kind] = (counts[kind] ?? 0) + 1
  }
  let out = text
  if (!skip.has("name") && options.knownNames?.length) {
    const re = new RegExp([...options.knownNames].sort((a, b) => b.length - a.length).map(escapeRe).join("|"), "g")
    out = out.replace(re, () => {
      count("name")
      return placeholder("name")
    })
  }
  // contacts and numbers first (their digits would read as dates or ages), hospitals before
  // addresses ("某某市人民医院" is a hospital), names last (after "住址：王家村" is an address)
  out = applyRules(out, contactRules.filter((r) => r.kind !== "phone"), skip, count)
  out = applyRules(out, numberRules.filter((r) => r.kind === "id_card"), skip, count)
  out = applyRules(out, contactRules.filter((r) => r.kind === "phone"), skip, count)
  out = applyRules(out, numberRules.filter((r) => r.kind !== "id_card"), skip, count)
  out = applyRules(out, ageRules, skip, count)
  out = replaceInstitutions(out, { hospital: placeholder("hospital"), institution: placeholder("institution") }, count, skip)
  out = applyRules(out, addressRules, skip, count)
  if (!skip.has("name")) out = applyNameRules(out, nameRules, placeholder("name"), () => count("name"))
  return finalize(out)
}
