/**
 * The dataset schemas every stage reads and writes. One row = one JSON object (JSON Lines), so a
 * dataset file can be streamed, split and concatenated without parsing it whole.
 */
import { Schema } from "effect"

const StringList = Schema.Array(Schema.String)
/** list fields default to [] when missing or null: real KG dumps leave many relations empty */
const OptionalList = Schema.optionalWith(StringList, { default: () => [], nullable: true })
const OptionalText = Schema.optionalWith(Schema.String, { default: () => "", nullable: true })

/**
 * A disease-centred knowledge-graph entry: the layout of the xywy-derived medical KG (one disease
 * per line with its relations as lists), which is also what plain triples are folded into.
 */
export const KgEntry = Schema.Struct({
  id: Schema.optional(Schema.String),
  name: Schema.NonEmptyTrimmedString,
  type: Schema.optionalWith(Schema.String, { default: () => "disease" }),
  departments: OptionalList,
  body_parts: OptionalList,
  symptoms: OptionalList,
  complications: OptionalList,
  drugs: OptionalList,
  checks: OptionalList,
  treatments: OptionalList,
  good_foods: OptionalList,
  avoid_foods: OptionalList,
  susceptible_population: OptionalText,
  transmission: OptionalText,
  cure_rate: OptionalText,
  treatment_cycle: OptionalText,
  description: OptionalText,
  cause: OptionalText,
  prevention: OptionalText,
  symptom_detail: OptionalText,
  nursing: OptionalText
})
export type KgEntry = typeof KgEntry.Type
export type KgEntryEncoded = typeof KgEntry.Encoded

/** list-valued relations of a KgEntry (the ones triples map onto) */
export const KgListRelations = [
  "departments",
  "body_parts",
  "symptoms",
  "complications",
  "drugs",
  "checks",
  "treatments",
  "good_foods",
  "avoid_foods"
] as const
export type KgListRelation = (typeof KgListRelations)[number]

/** text-valued relations of a KgEntry */
export const KgTextRelations = [
  "description",
  "cause",
  "prevention",
  "symptom_detail",
  "nursing",
  "susceptible_population",
  "transmission",
  "cure_rate",
  "treatment_cycle"
] as const
export type KgTextRelation = (typeof KgTextRelations)[number]

/** a plain (head, relation, tail) triple */
export const KgTriple = Schema.Struct({
  head: Schema.NonEmptyTrimmedString,
  relation: Schema.NonEmptyTrimmedString,
  tail: Schema.NonEmptyTrimmedString
})
export type KgTriple = typeof KgTriple.Type

/** one previous turn of a conversation (ChatGLM "history" convention: [query, response]) */
export const Turn = Schema.Tuple(Schema.String, Schema.String)

/**
 * A question/answer pair: the unit of fine-tuning data. `sensitive` marks record-derived text
 * (the privacy guard refuses to send it to non-local endpoints).
 */
export const QaPair = Schema.Struct({
  id: Schema.String,
  question: Schema.NonEmptyString,
  answer: Schema.NonEmptyString,
  /** what made it: "kg-template", "kg-llm", "records", "general", "import"… */
  source: Schema.optionalWith(Schema.String, { default: () => "import" }),
  /** KG relation the pair is about (stratification key for kg data) */
  relation: Schema.optional(Schema.String),
  /** KG entity / main diagnosis the pair is about */
  entity: Schema.optional(Schema.String),
  /** department (stratification key for record data) */
  department: Schema.optional(Schema.String),
  history: Schema.optional(Schema.Array(Turn)),
  sensitive: Schema.optionalWith(Schema.Boolean, { default: () => false })
})
export type QaPair = typeof QaPair.Type
export type QaPairEncoded = typeof QaPair.Encoded

export const OptionLetter = Schema.Literal("A", "B", "C", "D", "E")
export type OptionLetter = typeof OptionLetter.Type

/**
 * A single-choice exam question in the CMExam-style layout: `options` maps letters to text; an
 * empty string means the option does not exist (4-option questions keep `E: ""`).
 */
export const ExamQuestion = Schema.Struct({
  id: Schema.String,
  question: Schema.NonEmptyString,
  options: Schema.Record({ key: OptionLetter, value: Schema.String }),
  answer: OptionLetter,
  explanation: OptionalText,
  subject: OptionalText,
  source: OptionalText,
  question_type: Schema.optionalWith(Schema.String, { default: () => "single" }),
  is_hepatobiliary: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  hb_level: OptionalText
}).pipe(
  Schema.filter((q) => {
    const text = q.options[q.answer]
    return text !== undefined && text.trim() !== "" ? undefined : `answer ${q.answer} names an empty or missing option`
  })
)
export type ExamQuestion = typeof ExamQuestion.Type

/** an entity span of an annotated narrative record (`text.slice(start, end)`) */
export const EntitySpan = Schema.Struct({
  type: Schema.String,
  start: Schema.Int,
  end: Schema.Int,
  text: Schema.optional(Schema.String)
})
export type EntitySpan = typeof EntitySpan.Type

/**
 * A clinical record in any of three layouts: `sections` (heading → text), free `text` with
 * headings inside, or a narrative `text` with entity annotations (`entities` and/or the
 * pre-extracted lists). At least one of `sections` / `text` must be present.
 */
export const ClinicalRecord = Schema.Struct({
  id: Schema.String,
  department: Schema.optional(Schema.String),
  /** a selection label (e.g. the source's hepatobiliary category) */
  category: Schema.optional(Schema.String),
  sections: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  text: Schema.optional(Schema.String),
  diagnoses: Schema.optional(StringList),
  surgeries: Schema.optional(StringList),
  drugs: Schema.optional(StringList),
  imaging_exams: Schema.optional(StringList),
  lab_tests: Schema.optional(StringList),
  anatomy: Schema.optional(StringList),
  entities: Schema.optional(Schema.Array(EntitySpan))
}).pipe(
  Schema.filter((r) =>
    r.sections !== undefined || (r.text !== undefined && r.text.trim() !== "")
      ? undefined
      : "a record needs `sections` (heading → text) or a non-empty `text`"
  )
)
export type ClinicalRecord = typeof ClinicalRecord.Type

/** a multi-turn dialogue (ShareGPT-like roles) */
export const DialogueMessage = Schema.Struct({
  role: Schema.Literal("system", "user", "assistant"),
  content: Schema.String
})
export const Dialogue = Schema.Struct({
  id: Schema.String,
  messages: Schema.Array(DialogueMessage).pipe(Schema.minItems(1)),
  sensitive: Schema.optionalWith(Schema.Boolean, { default: () => false })
})
export type Dialogue = typeof Dialogue.Type

/**
 * What a dataset-producing stage returns: a JSON Lines file in its artifact folder plus counts.
 * TRAINING and METRICS stages read `file` relative to the artifact's `dir`.
 */
export const DatasetKind = Schema.Literal("qa", "kg", "exam", "records", "dialogue", "text")
export type DatasetKind = typeof DatasetKind.Type

export const DatasetFile = Schema.Struct({
  /** path relative to the artifact folder, JSON Lines */
  file: Schema.String,
  kind: DatasetKind,
  count: Schema.Int,
  /** record-derived content: may only go to loopback or explicitly allowed LLM endpoints */
  sensitive: Schema.Boolean
})
export type DatasetFile = typeof DatasetFile.Type

/** a QA dataset with its counts per stratum (relation or department) */
export const QaDataset = Schema.Struct({
  ...DatasetFile.fields,
  kind: Schema.Literal("qa"),
  byStratum: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Int }), { default: () => ({}) })
})
export type QaDataset = typeof QaDataset.Type
