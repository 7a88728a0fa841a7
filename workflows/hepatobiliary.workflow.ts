/**
 * MedGLM.H, the paper's two-phase fine-tuning, on the shipped synthetic hepatobiliary sample data.
 *
 *   base           a small GLM pretrained on the sample corpus (or a real checkpoint: --set base.from=DIR)
 *   medglm-general stage 1, "general rotation": P-Tuning v2 on QA generated from the knowledge graph
 *                  plus general-ability QA
 *   medglm-h       stage 2, "specialty post": freeze tuning of the last layers on QA made from
 *                  de-identified, number-scrubbed clinical records
 *   eval           base vs stage 1 vs stage 2: exam accuracy, BLEU/ROUGE on held-out specialty QA and
 *                  on held-out general QA → report.md / report.html / metrics.json
 *
 * Every value below can be changed from the command line without editing this file, e.g.
 *   zaoji run workflows/hepatobiliary.workflow.ts --set base.preset=small --set medglm-h.trainableLayers=5
 */
import { Workflow } from "@zaoji/core"
import { FineTuning } from "@zaoji/fine-tuning"
import { KnowledgeGraph } from "@zaoji/knowledge-graph"
import { Datasets } from "@zaoji/datasets"
import { Records } from "@zaoji/records"
import { PTuningV2 } from "@zaoji/ptuning-v2"
import { Freeze } from "@zaoji/freeze"
import { Metrics } from "@zaoji/metrics"

export default Workflow.make(
  "hepatobiliary",
  (w) => {
    // ---- the base model
    const corpus = w.stage("corpus", Datasets.corpus, { source: "data/corpus.txt", split: "line" })
    const base = w.stage("base", FineTuning.pretrain, { preset: "tiny", arch: "glm1", steps: 400, batchSize: 16, blockLength: 64 }, { corpus })

    // ---- stage 1: general rotation (knowledge-graph QA + general QA, P-Tuning v2)
    const kg = w.stage("kg", KnowledgeGraph.load, { source: "data/kg.jsonl" })
    // one phrasing per fact: the phrasings of a fact share one answer, and a split that put one of
    // them in the training part and another in the test part would test on a trained answer
    const kgQa = w.stage("kg-qa", KnowledgeGraph.generateQa, { generator: "template", phrasings: 1 }, { kg })
    const generalQa = w.stage("general-qa", Datasets.load, { source: "data/general_qa.jsonl", label: "general" })
    const generalData = w.stage("general-data", Datasets.merge, { shuffleSeed: 7 }, { a: kgQa, b: generalQa })
    const generalSplit = w.stage("general-split", Datasets.split, { train: 0.83, validation: 0.05, test: 0.12, stratifyBy: "source", seed: 7 }, { data: generalData })
    const generalTrain = w.stage("general-train", Datasets.pick, { part: "train" }, { split: generalSplit })
    const generalTest = w.stage("general-test", Datasets.pick, { part: "test" }, { split: generalSplit })
    // 12 epochs (about 190 steps on the sample): with fewer, the loss stays within its noise
    const stage1 = w.stage(
      "medglm-general",
      PTuningV2.train,
      { preSeqLen: 16, prefixProjection: false, learningRate: 2e-2, epochs: 12, batchSize: 16, maxSourceLength: 48, maxTargetLength: 64 },
      { base, data: generalTrain }
    )

    // ---- stage 2: specialty post (clinical records → QA, freeze tuning of the last layers)
    const records = w.stage("records", Records.process, { source: "data/records.jsonl" })
    // held-out patients of every disease (stratified by diagnosis), as a specialty post sees new patients
    const recordSplit = w.stage("records-split", Datasets.split, { train: 0.7, validation: 0, test: 0.3, stratifyBy: "entity", seed: 7 }, { data: records })
    const recordTrain = w.stage("records-train", Datasets.pick, { part: "train" }, { split: recordSplit })
    const recordTest = w.stage("records-test", Datasets.pick, { part: "test" }, { split: recordSplit })
    // the records mixed with a replay set against forgetting: a sample of stage 1's *training* part
    // (never of all the general QA: the rest of it is held out for the forgetting gate, which must
    // judge on pairs no model trained on), about as many pairs as the records so the specialty
    // keeps most of stage 2's steps. Drop `b` to train on the records alone, as the paper does.
    const replay = w.stage("replay", Datasets.sample, { fraction: 0.35, stratifyBy: "source", seed: 11 }, { data: generalTrain })
    const specialtyData = w.stage("specialty-data", Datasets.merge, { shuffleSeed: 11 }, { a: recordTrain, b: replay })
    const stage2 = w.stage(
      "medglm-h",
      Freeze.train,
      { trainableLayers: 2, prefix: "frozen", learningRate: 4e-3, epochs: 6, batchSize: 16, maxSourceLength: 64, maxTargetLength: 96 },
      { model: stage1, data: specialtyData }
    )

    // ---- evaluation
    w.stage(
      "eval",
      Metrics.compare,
      {
        title: "MedGLM.H on the sample data: base vs stage 1 vs stage 2",
        exam: { file: "data/exam.jsonl", methods: ["loglik"] },
        decoding: { maxNewTokens: 64, seed: 0 },
        // the forgetting check: flag stage 2 if it loses more than 2 ROUGE-L points of general QA to stage 1
        gate: { reference: "stage1", metric: "general_qa.chatglm.rouge-l", maxDrop: 2, mode: "flag" }
      },
      { base, stage1, stage2, heldOut: recordTest, generalQa: generalTest }
    )
  },
  { concurrency: 2 }
)
