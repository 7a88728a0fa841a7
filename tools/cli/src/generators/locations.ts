/**
 * Where generators read from: this repository (the CLI lives in tools/cli), its templates and the
 * shipped sample data. Derived from this file's location, so `zaoji new …` works from any folder.
 */
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const here = path.dirname(fileURLToPath(import.meta.url))

/** the monorepo root (tools/cli/src/generators → ../../../..) */
export const repoRoot = path.resolve(here, "..", "..", "..", "..")
export const templatesDir = path.resolve(here, "..", "..", "templates")
/** the synthetic sample data every new specialty starts from */
export const sampleDataDir = path.join(repoRoot, "workflows", "data")
/** the sample files a specialty's data folder gets (facts.ts and its generator stay behind) */
export const sampleDataFiles = ["kg.jsonl", "records.jsonl", "exam.jsonl", "general_qa.jsonl", "corpus.txt"] as const
