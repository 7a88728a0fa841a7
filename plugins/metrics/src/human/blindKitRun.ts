/** `metrics.blind-kit`'s run: answer the questions and dialogues with each model and write the kit (the definition is in blindKitStage.ts). */
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { InputError, PermanentError, type Stage, type Artifact, pathIn, errorMessage } from "@zaoji/core"
import { readRows } from "@zaoji/data"
import { loadModelFolder, loadTokenizer, type ModelArtifact } from "@zaoji/glm-runtime"
import { writeBlindKit, KIT_FILE, MAPPING_FILE } from "./blindKit.js"
import { readDialogueScripts, type DialogueScript } from "./dialogue.js"
import { glmResponder } from "./glmResponder.js"
import { produceBlindKit, type KitModel } from "./kitAnswers.js"
import { keyedRandom, shuffled } from "./seededRandom.js"
import { MODEL_INPUTS, type BlindKitConfig, type BlindKitInputs, type ModelInputName } from "./blindKitStage.js"

export const run = ({ config, inputs, ctx }: Stage.RunArgs<BlindKitConfig, BlindKitInputs>) =>
  Effect.gen(function* () {
    const modelInputs = Object.fromEntries(MODEL_INPUTS.map((k) => [k, wiredInput(inputs[k])])) as Record<ModelInputName, Artifact<ModelArtifact> | undefined>
    const questionSet = wiredInput(inputs.questionSet)
    const dialogueSet = wiredInput(inputs.dialogueSet)
    const wired = MODEL_INPUTS.filter((k) => modelInputs[k] !== undefined)
    if (wired.length === 0) {
      return yield* new InputError({ message: `${ctx.stageId}: no model wired (expected at least one of the inputs ${MODEL_INPUTS.join(", ")})`, location: `${ctx.stageId}.inputs` })
    }
    for (const k of Object.keys(config.names)) {
      if (!(MODEL_INPUTS as ReadonlyArray<string>).includes(k) || modelInputs[k as ModelInputName] === undefined) {
        return yield* new InputError({ message: `${ctx.stageId}.names.${k}: expected the name of a wired model input (${wired.join(", ")})`, location: `${ctx.stageId}.names.${k}` })
      }
    }
    const names = wired.map((k) => config.names[k] ?? k)
    const dup = names.find((n, i) => names.indexOf(n) !== i)
    if (dup !== undefined) {
      return yield* new InputError({ message: `${ctx.stageId}.names: two models are called "${dup}" (expected distinct names)`, location: `${ctx.stageId}.names` })
    }

    let questions: Array<{ id: string; question: string }> = []
    if (questionSet !== undefined) {
      questions = yield* readQuestions(join(questionSet.dir, questionSet.value.file), `${ctx.stageId}.questionSet (${questionSet.value.file})`)
    } else if (config.questions !== undefined) {
      questions = yield* readQuestions(pathIn(ctx.baseDir, config.questions), config.questions)
    }
    if (config.sample !== undefined && config.sample < questions.length) {
      const keep = new Set(shuffled(questions.map((q) => q.id), keyedRandom(config.seed, "sample")).slice(0, config.sample))
      questions = questions.filter((q) => keep.has(q.id))
    }
    let scripts: ReadonlyArray<DialogueScript> = []
    if (dialogueSet !== undefined) {
      scripts = yield* readDialogueScripts(join(dialogueSet.dir, dialogueSet.value.file), `${ctx.stageId}.dialogueSet (${dialogueSet.value.file})`)
    } else if (config.dialogues !== undefined) {
      scripts = yield* readDialogueScripts(pathIn(ctx.baseDir, config.dialogues), config.dialogues)
    }
    if (questions.length === 0 && scripts.length === 0) {
      return yield* new InputError({ message: `${ctx.stageId}: nothing to rate (expected questions or dialogue scripts: set "questions"/"dialogues" or wire questionSet/dialogueSet)`, location: `${ctx.stageId}.questions` })
    }

    const models = wired.map((k, i) => modelEntry(names[i]!, modelInputs[k]!, config, ctx.signal))
    const kit = yield* produceBlindKit({ questions, scripts, models, seed: config.seed, title: config.title, batchSize: config.batchSize }, ctx)
    yield* Effect.try({
      try: () => writeBlindKit(join(ctx.outDir, "kit"), kit, join(ctx.outDir, MAPPING_FILE)),
      catch: (e) => new PermanentError({ message: `cannot write the blind kit: ${errorMessage(e)}`, location: ctx.outDir, cause: e })
    })
    yield* ctx.metric("questions", questions.length)
    yield* ctx.metric("conversations", kit.kit.dialogues.length)
    yield* ctx.log("info", `blind kit ready: rate it with \`zaoji rate ${join(ctx.outDir, "kit")}\` once stored`, { file: `kit/${KIT_FILE}` })
    return {
      kit: "kit",
      mapping: MAPPING_FILE,
      models: names,
      questions: questions.length,
      conversations: kit.kit.dialogues.length,
      sensitive: (questionSet?.value.sensitive ?? false) || (dialogueSet?.value.sensitive ?? false)
    }
  })

// internal

const QuestionRow = Schema.Struct({ id: Schema.optional(Schema.String), question: Schema.NonEmptyString })

/**
 * An optional input is typed `Artifact<X | undefined>` by the stage contract, but the engine leaves
 * an unwired input out entirely: this turns it into `Artifact<X> | undefined`.
 */
const wiredInput = <A>(a: Artifact<A | undefined> | undefined): Artifact<A> | undefined => (a === undefined || a.value === undefined ? undefined : (a as Artifact<A>))

const readQuestions = (file: string, displayName: string) =>
  Effect.gen(function* () {
    const read = yield* readRows(file, QuestionRow, { displayName })
    const seen = new Map<string, number>()
    const out: Array<{ id: string; question: string }> = []
    for (let i = 0; i < read.rows.length; i++) {
      const line = read.lines[i]!
      const id = read.rows[i]!.id ?? `line-${line}`
      const first = seen.get(id)
      if (first !== undefined) {
        return yield* new InputError({ message: `${displayName}:${line}: id: duplicate question id "${id}" (first at line ${first}); expected unique ids`, location: `${displayName}:${line}` })
      }
      seen.set(id, line)
      out.push({ id, question: read.rows[i]!.question })
    }
    return out
  })

const modelEntry = (name: string, artifact: Artifact<ModelArtifact>, config: BlindKitConfig, signal: AbortSignal): KitModel => ({
  name,
  responder: Effect.acquireRelease(
    Effect.try({
      try: () => {
        const loaded = loadModelFolder(join(artifact.dir, artifact.value.model))
        if (loaded.tokenizerDir === undefined) {
          loaded.model.dispose()
          throw new Error(`no tokenizer files in ${loaded.dir} or its base ${loaded.baseDir}`)
        }
        try {
          return { loaded, tokenizer: loadTokenizer(loaded.tokenizerDir) }
        } catch (e) {
          loaded.model.dispose()
          throw e
        }
      },
      catch: (e) => new PermanentError({ message: `cannot load model "${name}": ${errorMessage(e)}`, location: artifact.dir, cause: e })
    }),
    ({ loaded }) => Effect.sync(() => loaded.model.dispose())
  ).pipe(
    Effect.map(({ loaded, tokenizer }) =>
      glmResponder(loaded.model, tokenizer, { maxNewTokens: config.maxNewTokens, batchSize: config.batchSize, chatFormat: config.chatFormat, signal })
    )
  )
})
