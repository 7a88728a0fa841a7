/**
 * The metric definitions printed in every report, so a reader knows exactly what each number is.
 * Each entry restates the definition written beside the code that computes it.
 */
export const METRIC_DEFINITIONS: ReadonlyArray<{ readonly name: string; readonly definition: string }> = [
  {
    name: "exam acc",
    definition:
      "Share of single-choice questions answered correctly. loglik: the option whose text (or letter) has the highest summed log-likelihood after the C-Eval prompt '以下是中国关于{subject}考试的单项选择题，请选出其中的正确答案。…答案：'; ties go to the earliest option. generate: the letter extracted from the greedy reply (unparsed = wrong)."
  },
  {
    name: "exam acc_norm",
    definition: "As acc, with each option's log-likelihood divided by its length in characters (lm-evaluation-harness acc_norm)."
  },
  {
    name: "95% CI",
    definition:
      "Seeded percentile bootstrap (resamples and seed printed above); 2.5th and 97.5th percentiles. Exam accuracy: questions resampled, means taken. QA metrics: pairs resampled; per-pair metrics (ChatGLM ROUGE/BLEU, ROUGE-L char) averaged over each resample, sacreBLEU (a corpus score) recomputed from the resampled pairs' n-gram counts."
  },
  {
    name: "n",
    definition: "The number of items a value is computed over: questions, QA pairs (for skip-raising, the pairs where rouge_chinese does not raise), subjective questions."
  },
  {
    name: "ROUGE-1/2/L (ChatGLM)",
    definition:
      "rouge_chinese 1.0.3 F on jieba 0.42.1 words, per pair ×100 rounded to 4 places (Python round), then averaged (numpy mean). ROUGE-N uses sets of distinct n-grams; ROUGE-L one LCS over the flat word lists; F = 2·(P·R)/(P+R+1e-8). Two conventions for empty predictions: empty-as-zero (all pairs, ROUGE 0 where rouge_chinese raises) and skip-raising (only pairs where it does not raise); they are one row, labelled '(ChatGLM)', when they agree (no pair raises)."
  },
  {
    name: "BLEU-4 (ChatGLM)",
    definition:
      "nltk sentence_bleu on characters (code points) against one reference, smoothing method3, ×100 rounded to 4 places per pair, then averaged. Zero unigram matches → 0."
  },
  {
    name: "sacreBLEU zh",
    definition:
      "sacrebleu 2.6.0 corpus BLEU, tokenize='zh', smooth 'exp', max order 4 (signature nrefs:1|case:mixed|eff:no|tok:zh|smooth:exp|version:2.6.0), on the 0–100 scale."
  },
  {
    name: "ROUGE-L char",
    definition:
      "Character ROUGE-L F1 (rouge-score's _score_lcs): code points with whitespace removed, F = 2PR/(P+R), 0 when either side is empty; mean over pairs, in [0, 1]."
  },
  {
    name: "general QA",
    definition:
      "General-ability held-out QA pairs scored with exactly the ROUGE/BLEU definitions above (metric ids prefixed general_qa.), reported beside the specialty QA set to show what fine-tuning costs outside the specialty."
  },
  {
    name: "score rate",
    definition:
      "Subjective questions: Σ points earned / Σ points possible, where a question worth p points earns score/10·p for a judge score on 0–10 (LLM judge with rubric and reference, or the mean of human scores)."
  },
  {
    name: "leakage",
    definition:
      "Every evaluation item against all training data in each model's lineage (the data inputs of every training stage upstream, pretraining corpus included), exactly and after normalisation (NFKC, lower case, white space, punctuation and symbols removed). A QA item overlaps a training pair with the same question and answer, or a text containing both; an exam question overlaps any training row containing its stem and every option. Share = overlapping items / items, per set and model; above leakage.maxFraction (default 0) the stage fails (mode 'fail') or is flagged."
  },
  {
    name: "flags",
    definition:
      "not-learning: the model's training stage recorded that its loss did not fall (first vs last window). no-effect: every prediction of a tuned model (generated QA answers, exam choices) equals that of the model it was trained from, the nearest earlier compared model in its lineage, so every figure is the same; the flag says how far the option log-likelihoods moved."
  },
  {
    name: "regression gate",
    definition:
      "On the general-ability set, a later model regresses when (reference value − its value) > maxDrop for the gate metric; mode 'fail' fails the stage, 'flag' only reports."
  }
]
