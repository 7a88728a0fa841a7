/**
 * The tokenizer contract shared by the model, training, metrics and serving code.
 *
 * Three families implement it:
 * - `chatglm-6b`  SentencePiece `ice_text.model`, ids shifted by 20000 image tokens, `<n>` for line
 *                 breaks, `<|blank_N|>` for runs of spaces, `<|tab|>`; special tokens are pieces of
 *                 the model ([MASK]=130000, [gMASK]=130001, <sop>=130004, <eop>=130005), pad 3.
 * - `chatglm2` / `chatglm3`  SentencePiece `tokenizer.model`; special tokens are appended after the
 *                 SentencePiece vocabulary ([MASK] [gMASK] [sMASK] sop eop, and for glm3
 *                 <|system|> <|user|> <|assistant|> <|observation|>); eos `</s>` = 2, pad = 0.
 * - `zaoji`       the trainable tokenizer of the small embedded model (`tokenizer.json`), in either
 *                 the glm1 or the glm2 layout of special tokens.
 */

/** Which input-id layout and special-token family a tokenizer follows. */
export type TokenLayout = "glm1" | "glm2"

/** Which chat prompt format a model was trained with. */
export type ChatFormat = "glm1" | "glm2" | "glm3"

export type TokenizerFamily = "chatglm-6b" | "chatglm2" | "chatglm3" | "zaoji"

export interface SpecialTokenIds {
  readonly mask: number
  readonly gmask: number
  /** glm2/3 only (glm1's ice_text also has one; undefined when the vocabulary lacks it) */
  readonly smask: number | undefined
  /** start of the answer: glm1 `<sop>` (its config calls it bos_token_id), glm2/3 `sop` */
  readonly sop: number
  /** end of a generated block: glm1 `<eop>` (its config's eos_token_id), glm2/3 `eop` */
  readonly eop: number
  /** end of sequence for generation and training targets: glm1 `<eop>`, glm2/3 `</s>` (2) */
  readonly eos: number
  readonly pad: number
  readonly unk: number | undefined
  /** glm3 role tokens (undefined for glm1/glm2) */
  readonly roles: RoleTokenIds | undefined
}

export interface RoleTokenIds {
  readonly system: number
  readonly user: number
  readonly assistant: number
  readonly observation: number
}

export interface Tokenizer {
  readonly family: TokenizerFamily
  readonly layout: TokenLayout
  /** default chat prompt format for this tokenizer's models */
  readonly chatFormat: ChatFormat
  /** number of ids the tokenizer can produce (the model's vocab may be padded beyond it) */
  readonly vocabSize: number
  readonly special: SpecialTokenIds
  /** ids that end generation (glm1: <eop>; glm2: </s>; glm3: </s>, <|user|>, <|observation|>) */
  readonly stopIds: ReadonlyArray<number>
  /** plain text → ids; adds no special tokens (use `chat/` or `layout` helpers for those) */
  encode(text: string): number[]
  /** ids → text; special/control ids are dropped, byte pieces are reassembled as UTF-8 */
  decode(ids: ReadonlyArray<number>): string
  /** the piece string of an id (e.g. "▁the", "[gMASK]"), undefined when out of range */
  idToPiece(id: number): string | undefined
  /** the id of an exact piece string, undefined when absent */
  pieceToId(piece: string): number | undefined
}

/** Thrown for a tokenizer file that cannot be read: names the file, the field and what was expected. */
export class TokenizerFileError extends Error {
  override readonly name = "TokenizerFileError"
  constructor(
    readonly file: string,
    readonly field: string,
    readonly expected: string,
    readonly found?: string
  ) {
    super(`${file}: ${field}: expected ${expected}${found === undefined ? "" : `, found ${found}`}`)
  }
}

/** One chat message, as in the OpenAI API (glm1/glm2 formats ignore `system`/`observation` roles). */
export interface ChatMessage {
  readonly role: "system" | "user" | "assistant" | "observation"
  readonly content: string
}

/** A prompt ready for generation: the ids and the count of trailing ids that open the answer. */
export interface GenerationInput {
  readonly ids: number[]
  /** the prompt text without special tokens (for logs and usage accounting) */
  readonly text: string
}

/** One supervised example in the official fine-tuning layout (labels -100 where no loss). */
export interface TrainingExample {
  readonly inputIds: number[]
  readonly labels: number[]
}
