import { readFileSync } from "node:fs"
import { hasShared, sharedPath, sharedSuiteTitle } from "@zaoji/testing"
import { describe, expect, it } from "vitest"
import {
  chatglmAggregate,
  chatglmPairFromTokens,
  jiebaCut,
  nltkCharBleu4Detail,
  rougeChinese,
  rougeLCharDetail,
  sacrebleuSegmentStats,
  sacrebleuZhCorpus
} from "../src/kit.js"

interface Case {
  id: string
  prediction: string
  reference: string
  jieba_hyp_tokens: Array<string>
  jieba_ref_tokens: Array<string>
}

const load = () => {
  const cases: Array<Case> = readFileSync(sharedPath("golden", "metrics", "cases.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
  const expected = JSON.parse(readFileSync(sharedPath("golden", "metrics", "expected.json"), "utf8"))
  return { cases, expected }
}

const UNIT = 1e-6
const PCT = 1e-4
const close = (got: number, want: number, tol: number, what: string) =>
  expect(Math.abs(got - want), `${what}: got ${got}, want ${want}`).toBeLessThanOrEqual(tol)

describe.skipIf(!hasShared)(sharedSuiteTitle("text metrics equal the golden fixtures"), () => {
  const { cases, expected } = hasShared ? load() : { cases: [] as Array<Case>, expected: {} as any }

  it("has 65 cases in the order of expected.json", () => {
    expect(cases.length).toBe(65)
    expect(expected.pairs.map((p: any) => p.id)).toEqual(cases.map((c) => c.id))
  })

  it("jieba segmentation equals jieba 0.42.1 on every golden text", () => {
    for (const c of cases) {
      expect(jiebaCut(c.prediction), `${c.id} prediction`).toEqual(c.jieba_hyp_tokens)
      expect(jiebaCut(c.reference), `${c.id} reference`).toEqual(c.jieba_ref_tokens)
    }
  })

  it("nltk char BLEU-4 (method3): value and counts per pair", () => {
    cases.forEach((c, i) => {
      const want = expected.pairs[i]
      const d = nltkCharBleu4Detail(c.prediction, c.reference)
      close(d.bleu, want.bleu4_nltk_m3_char, UNIT, `${c.id} bleu`)
      expect([d.hypLen, d.refLen], c.id).toEqual([want.detail.nltk_bleu.hyp_len, want.detail.nltk_bleu.ref_len])
      expect(d.numerators, c.id).toEqual(want.detail.nltk_bleu.numerators)
      expect(d.denominators, c.id).toEqual(want.detail.nltk_bleu.denominators)
      close(d.bp, want.detail.nltk_bleu.bp, UNIT, `${c.id} bp`)
    })
  })

  it("rouge_chinese ROUGE-1/2/L on the stored jieba tokens: words, counts, P/R/F and errors", () => {
    cases.forEach((c, i) => {
      const want = expected.pairs[i]
      if (want.rouge_chinese_error !== null) {
        expect(() => rougeChinese(c.jieba_hyp_tokens, c.jieba_ref_tokens), c.id).toThrow(
          want.rouge_chinese_error.replace(/^ValueError: /, "")
        )
        return
      }
      const s = rougeChinese(c.jieba_hyp_tokens, c.jieba_ref_tokens)
      const det = want.detail.rouge_chinese
      expect(s.hypWords, c.id).toEqual(det.hyp_words)
      expect(s.refWords, c.id).toEqual(det.ref_words)
      close(s["rouge-1"].f, want.rouge1_jieba_f, UNIT, `${c.id} r1`)
      close(s["rouge-2"].f, want.rouge2_jieba_f, UNIT, `${c.id} r2`)
      close(s["rouge-l"].f, want.rougeL_jieba_f, UNIT, `${c.id} rl`)
      for (const k of ["rouge-1", "rouge-2"] as const) {
        close(s[k].p, det[k].p, UNIT, `${c.id} ${k} p`)
        close(s[k].r, det[k].r, UNIT, `${c.id} ${k} r`)
        expect([s[k].hypNgrams, s[k].refNgrams, s[k].overlap], `${c.id} ${k}`).toEqual([
          det[k].hyp_ngrams,
          det[k].ref_ngrams,
          det[k].overlap
        ])
      }
      const l = det["rouge-l"]
      expect([s["rouge-l"].hypWords, s["rouge-l"].refWords, s["rouge-l"].lcs], c.id).toEqual([l.hyp_words, l.ref_words, l.lcs])
      close(s["rouge-l"].p, l.p, UNIT, `${c.id} rl p`)
      close(s["rouge-l"].r, l.r, UNIT, `${c.id} rl r`)
    })
  })

  it("character ROUGE-L F1 per pair", () => {
    cases.forEach((c, i) => {
      const want = expected.pairs[i]
      const d = rougeLCharDetail(c.prediction, c.reference)
      close(d.f, want.rougeL_char_f, UNIT, `${c.id} f`)
      const w = want.detail.rougeL_char
      expect([d.hypLen, d.refLen, d.lcs], c.id).toEqual([w.hyp_len, w.ref_len, w.lcs])
      close(d.p, w.p, UNIT, `${c.id} p`)
      close(d.r, w.r, UNIT, `${c.id} r`)
    })
  })

  it("ChatGLM per-pair ×100 values are exact, and both report conventions match", () => {
    const pairs = cases.map((c) => chatglmPairFromTokens(c.prediction, c.reference, c.jieba_hyp_tokens, c.jieba_ref_tokens))
    pairs.forEach((p, i) => {
      const want = expected.pairs[i]
      expect({ "rouge-1": p["rouge-1"], "rouge-2": p["rouge-2"], "rouge-l": p["rouge-l"], "bleu-4": p["bleu-4"] }, cases[i].id).toEqual(
        want.chatglm_x100
      )
      expect(p.error, cases[i].id).toEqual(want.rouge_chinese_error)
    })
    const agg = chatglmAggregate(pairs)
    for (const [mine, theirs] of [
      [agg.emptyAsZero, expected.corpus.chatglm_report_empty_as_zero],
      [agg.skipRaising, expected.corpus.chatglm_report_skip_raising_pairs]
    ] as const) {
      expect(mine.n).toBe(theirs.n)
      for (const k of ["rouge-1", "rouge-2", "rouge-l", "bleu-4"] as const) close(mine[k], theirs[k], PCT, k)
    }
    expect(agg.raisingPairs.map((i) => cases[i].id)).toEqual(expected.corpus.chatglm_raising_pair_ids)
  })

  it("sacrebleu zh: per-segment tokens and statistics, corpus score", () => {
    cases.forEach((c, i) => {
      const want = expected.pairs[i].detail.sacrebleu_zh
      const st = sacrebleuSegmentStats(c.prediction, c.reference)
      expect(st.hypTokens, c.id).toEqual(want.hyp_tokens)
      expect(st.refTokens, c.id).toEqual(want.ref_tokens)
      expect(st.correct, c.id).toEqual(want.correct)
      expect(st.total, c.id).toEqual(want.total)
    })
    const got = sacrebleuZhCorpus(
      cases.map((c) => c.prediction),
      cases.map((c) => c.reference)
    )
    const want = expected.corpus.sacrebleu_zh
    close(got.score, want.score, PCT, "score")
    got.precisions.forEach((p, n) => close(p, want.precisions[n], PCT, `precision ${n + 1}`))
    close(got.bp, want.bp, UNIT, "bp")
    close(got.ratio, want.ratio, UNIT, "ratio")
    expect([got.sysLen, got.refLen]).toEqual([want.sys_len, want.ref_len])
    expect(got.counts).toEqual(want.counts)
    expect(got.totals).toEqual(want.totals)
    expect(got.signature).toBe(want.signature)
  })

  it("character ROUGE-L corpus mean", () => {
    const fs = cases.map((c) => rougeLCharDetail(c.prediction, c.reference).f)
    close(fs.reduce((a, b) => a + b, 0) / fs.length, expected.corpus.rougeL_char_f_mean, UNIT, "mean")
  })
})
