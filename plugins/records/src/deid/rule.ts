/** A masking rule: a kind, a global regex, and what a match becomes (default: the kind's mask). */
export const DeidKinds = ["id_card", "phone", "email", "url", "ip", "record_number", "hospital", "institution", "address", "name", "age", "date"] as const
export type DeidKind = (typeof DeidKinds)[number]
export type DeidCounts = Partial<Record<DeidKind, number>>

export interface MaskRule {
  readonly kind: Exclude<DeidKind, "date">
  readonly re: RegExp
  /** the replacement, given the match and the kind's mask; undefined keeps the match as written */
  readonly replace?: (m: RegExpMatchArray, mask: string) => string | undefined
}

export const HAN = "\\u4e00-\\u9fa5"

/** longest first, so an alternation prefers 家庭住址 over 住址 */
export const alternation = (xs: ReadonlyArray<string>) =>
  [...xs]
    .sort((a, b) => b.length - a.length)
    .map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|")
