/**
 * @zaoji/metrics/kit: everything the package entry exports, and text metrics (ChatGLM ROUGE/BLEU on jieba words, sacreBLEU zh, character
 * ROUGE-L), exam accuracy, subjective score rate, the comparison stage with its report, and the
 * human-evaluation kit. Every number a report shows is computed here, with its definition beside
 * the code. These load tfjs (models under evaluation), jieba and SQLite: a workflow imports the
 * package entry, which holds only the stages' definitions.
 */
export { jiebaCut, makeSegmenter, type Segmenter } from "./text/jieba/segmenter.js"
export { nltkCharBleu4, nltkCharBleu4Detail, type NltkBleuDetail } from "./text/nltkBleu.js"
export { rougeChinese, RougeChineseError, type RougeChineseScores } from "./text/rougeChinese.js"
export { rougeLChar, rougeLCharDetail, type RougeLCharDetail } from "./text/rougeLChar.js"
export {
  sacrebleuZhCorpus,
  sacrebleuSegmentStats,
  sacrebleuZhTokens,
  SACREBLEU_ZH_SIGNATURE,
  type CorpusBleu
} from "./text/sacrebleu.js"
export {
  chatglmPair,
  chatglmPairFromTokens,
  chatglmAggregate,
  type ChatglmPairScores,
  type ChatglmAverages,
  type ChatglmReport
} from "./text/chatglm.js"
export { pyRound, pyRoundExact, fsum, npMean } from "./text/numeric.js"
export { qaMetrics, type QaMetrics, type QaBootstrap } from "./text/qaMetrics.js"

// exam accuracy
export { cevalPrompt, pickShots, optionLetters, subjectKey, SUBJECT_NAMES, LETTERS, type Letter } from "./exam/prompt.js"
export { extractAnswer } from "./exam/answerExtract.js"
export { bootstrapMeanCi, bootstrapIntervals, mulberry32, percentileSorted, type Interval } from "./exam/bootstrap.js"
export {
  evaluateExam,
  scoreExamBatch,
  summarizeExam,
  type ExamItem,
  type ExamResult,
  type ExamSettings,
  type ExamMethod,
  type ExamGroupScore
} from "./exam/evaluate.js"
// models under evaluation
export type { LanguageModel, LoglikQuery, Loglik, GenerateSettings } from "./model/languageModel.js"
export { trainCharBigram, charBigramFromFile, CHAR_BIGRAM_FILE, type CharNgramLm, type CharBigramFile } from "./model/charNgramLm.js"
export { glmLanguageModel, type GlmLanguageModel } from "./model/glmModel.js"
// subjective questions: score rate with an LLM judge or human scores
export { SubjectiveItem, scoreRate, JUDGE_SCALE_MAX, type ScoredItem, type ScoreRate } from "./judge/scoreRate.js"
export { judgeMessages, parseJudgeReply, JudgeVerdict, JUDGE_PROMPT_VERSION } from "./judge/judgePrompt.js"
export { judgeAnswers, judgeCacheKey, type JudgedAnswer } from "./judge/llmJudge.js"
export { readHumanScores, HumanScoreRow } from "./judge/humanScores.js"
// human evaluation kit: blind comparison, rating page server, unblinding, agreement, dialogue evaluation
export * from "./human/index.js"
// comparison stage and report
export { CompareConfig, ExamSetConfig, QaSetConfig, SubjectiveSetConfig, GateConfig } from "./compare/config.js"
export { compare, compareModels, CompareOutput, type CompareInputs, type CompareDataInputs } from "./compare/stage.js"
export { openModel, type ModelInput, type OpenedModel } from "./compare/resolveModel.js"
export { evaluateModel, type ModelScores, type EvalSets } from "./compare/evaluateModel.js"
export { metricRows, renderMarkdown, renderHtml, gateSentence, leakageSentence, type CompareReport, type ReportModel, type MetricRow } from "./compare/report.js"
export {
  displayRows,
  headlineRows,
  markdownTable,
  textTable,
  formatCell,
  labelWithN,
  type MetricValue
} from "./report/rows.js"
export { decodeMetricsFile, renderResults, type ResultsOptions } from "./report/resultsReport.js"
export { learningOf, noEffectFlags, notLearningFlag, LearningVerdict, type ModelFlag } from "./compare/flags.js"
// the leakage check: evaluation sets against the training data in each model's lineage
export { checkLeakage, leakageMessage, type LeakageResult, type LeakageCheck, type LeakageSet } from "./leakage/check.js"
export { LeakageConfig } from "./leakage/config.js"
export { trainingLineage, type TrainingLineage, type TrainingSource } from "./leakage/trainingLineage.js"
export { UnitIndex, unitOf, type EvalItem, type TrainingUnit } from "./leakage/overlap.js"
export { regressionGate, type GateResult, type GateCheck, type GateSettings } from "./report/gate.js"
export { barChart, lineChart, type Bar, type Curve } from "./report/svg.js"
export { modelLineage, lossCurves, type ModelLineage, type DatasetLineage } from "./report/lineage.js"
export { METRIC_DEFINITIONS } from "./report/definitions.js"

import { compare, compareModels } from "./compare/stage.js"
import { blindKit } from "./human/blindKitStage.js"
/** the plugin's stages, for `w.stage("eval", Metrics.compare, …)` */
export const Metrics = { compare, compareModels, blindKit } as const
