/**
 * Supervised examples (question, answer, optional history) → token ids and labels in the model's
 * chat format, with the official P-Tuning scripts' layout (see `buildTrainingExample`) and
 * truncation to max source/target lengths, counted so a stage can report how much was cut.
 */
import { buildGenerationInput, buildTrainingExample, promptText, type ChatFormat, type Tokenizer, type TrainingExample } from "@zaoji/glm-runtime"

export interface SupervisedPair {
  readonly question: string
  readonly answer: string
  /** previous turns as [query, response] (ChatGLM's history convention) */
  readonly history?: ReadonlyArray<readonly [string, string]>
}

export interface ExampleLimits {
  readonly maxSourceLength: number
  readonly maxTargetLength: number
}

export interface TruncationStats {
  readonly examples: number
  /** examples whose prompt was cut to maxSourceLength */
  readonly sourceTruncated: number
  /** examples whose answer was cut to maxTargetLength */
  readonly targetTruncated: number
  /** ids removed in total */
  readonly idsDropped: number
}

/**
 * Build one example. glm1/glm2 use the official prompt text (rounds of 问/答); glm3 uses role tokens
 * (`<|user|>` … `<|assistant|>`). The prompt keeps its *end* when truncated for glm3 (the role
 * token that opens the answer must stay); glm1/glm2 cut the end as the official scripts do.
 */
export const buildExample = (
  tokenizer: Tokenizer,
  format: ChatFormat,
  pair: SupervisedPair,
  limits: ExampleLimits
): { example: TrainingExample; sourceCut: number; targetCut: number } => {
  const answerIds = tokenizer.encode(pair.answer)
  const targetCut = Math.max(0, answerIds.length - limits.maxTargetLength)
  if (format === "glm3") {
    const messages = [
      ...(pair.history ?? []).flatMap(([q, r]) => [
        { role: "user" as const, content: q },
        { role: "assistant" as const, content: r }
      ]),
      { role: "user" as const, content: pair.question }
    ]
    const { ids } = buildGenerationInput(tokenizer, messages, "glm3")
    // ids = [gMASK, sop, ...]: keep the two marks and the last maxSourceLength ids
    const body = ids.slice(2)
    const sourceCut = Math.max(0, body.length - limits.maxSourceLength)
    const src = [...ids.slice(0, 2), ...body.slice(sourceCut)]
    const tgt = answerIds.slice(0, limits.maxTargetLength)
    const eos = tokenizer.special.eos
    return {
      example: { inputIds: [...src, ...tgt, eos], labels: [...src.map(() => -100), ...tgt, eos] },
      sourceCut,
      targetCut
    }
  }
  const history = (pair.history ?? []).map(([query, response]) => ({ query, response }))
  const promptIds = tokenizer.encode(promptText(format, history, pair.question))
  const sourceCut = Math.max(0, promptIds.length - limits.maxSourceLength)
  const example = buildTrainingExample(tokenizer, promptIds, answerIds, limits)
  return { example, sourceCut, targetCut }
}

export const buildExamples = (
  tokenizer: Tokenizer,
  format: ChatFormat,
  pairs: ReadonlyArray<SupervisedPair>,
  limits: ExampleLimits
): { examples: TrainingExample[]; stats: TruncationStats } => {
  let sourceTruncated = 0
  let targetTruncated = 0
  let idsDropped = 0
  const examples = pairs.map((p) => {
    const r = buildExample(tokenizer, format, p, limits)
    if (r.sourceCut > 0) sourceTruncated++
    if (r.targetCut > 0) targetTruncated++
    idsDropped += r.sourceCut + r.targetCut
    return r.example
  })
  return { examples, stats: { examples: pairs.length, sourceTruncated, targetTruncated, idsDropped } }
}
