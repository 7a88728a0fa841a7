/** Unblinding: join a kit's ratings with its separately stored mapping and aggregate them. */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { InputError } from "@zaoji/core"
import { Kit, KitMapping } from "./kitFormat.js"
import { KIT_FILE, MAPPING_FILE } from "./blindKit.js"
import { readJsonFile } from "./files.js"
import { kitFingerprint, openRatingsStore } from "./ratingsStore.js"
import { aggregateHumanRatings, type AggregateOptions, type HumanEvalReport } from "./aggregate.js"

export const RATINGS_FILE = "ratings.sqlite"

export interface UnblindOptions extends AggregateOptions {
  readonly kitDir: string
  /** default: mapping.json beside the kit folder, else inside it */
  readonly mappingPath?: string
  /** default: <kitDir>/ratings.sqlite */
  readonly dbPath?: string
}

export const defaultMappingPath = (kitDir: string): string => {
  const beside = join(kitDir, "..", MAPPING_FILE)
  return existsSync(beside) ? beside : join(kitDir, MAPPING_FILE)
}

export const unblindKit = (options: UnblindOptions): HumanEvalReport => {
  const kitPath = join(options.kitDir, KIT_FILE)
  const kit = readJsonFile(kitPath, Kit, "blind kit (kit.json)")
  const mapping = readJsonFile(options.mappingPath ?? defaultMappingPath(options.kitDir), KitMapping, "kit mapping (mapping.json)")
  for (const q of kit.questions) {
    if (mapping.questions[q.id] === undefined) {
      throw new InputError({ message: `mapping has no entry for question "${q.id}" of ${kitPath} (expected the mapping written with this kit)`, location: `questions.${q.id}` })
    }
  }
  const dbPath = options.dbPath ?? join(options.kitDir, RATINGS_FILE)
  if (!existsSync(dbPath)) {
    return aggregateHumanRatings({ kit, mapping, answerRatings: [], replyRatings: [], liveDialogues: [] }, options)
  }
  const store = openRatingsStore(dbPath, kitFingerprint(readFileSync(kitPath, "utf8")), { readonly: true })
  try {
    return aggregateHumanRatings(
      { kit, mapping, answerRatings: store.answerRatings(), replyRatings: store.replyRatings(), liveDialogues: store.liveDialogues() },
      options
    )
  } finally {
    store.close()
  }
}
