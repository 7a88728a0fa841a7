/**
 * Plain-text record files: one or more records separated by a line of three or more `-`, `=` or
 * `*` (how records are often pasted out of a hospital system). Each becomes a ClinicalRecord with
 * free `text`; its id is `<file stem>-<n>` unless the record has an `ID：`/`编号：` line.
 */
import { readFile } from "node:fs/promises"
import { basename, extname } from "node:path"
import { Effect } from "effect"
import { InputError } from "@zaoji/core"
import type { ClinicalRecord } from "@zaoji/data"

export const parseTextRecords = (content: string, stem: string): Array<{ record: ClinicalRecord; line: number }> => {
  const out: Array<{ record: ClinicalRecord; line: number }> = []
  const lines = content.replace(/^\uFEFF/, "").split(/\r?\n/)
  let buf: Array<string> = []
  let start = 1
  const flush = (nextStart: number) => {
    const text = buf.join("\n").trim()
    if (text) {
      const idLine = /^(?:ID|编号|病历编号)\s*[：:]\s*(\S+)\s*$/m.exec(text)
      const body = idLine ? text.replace(idLine[0], "").trim() : text
      out.push({ record: { id: idLine ? idLine[1]! : `${stem}-${out.length + 1}`, text: body }, line: start })
    }
    buf = []
    start = nextStart
  }
  lines.forEach((l, i) => {
    if (/^\s*([-=*])\1{2,}\s*$/.test(l)) flush(i + 2)
    else {
      if (buf.length === 0 && l.trim() === "") start = i + 2
      buf.push(l)
    }
  })
  flush(lines.length + 1)
  return out
}

export const readTextRecords = (file: string, displayName: string): Effect.Effect<Array<{ record: ClinicalRecord; line: number }>, InputError> =>
  Effect.gen(function* () {
    const content = yield* Effect.tryPromise({
      try: () => readFile(file, "utf8"),
      catch: () => new InputError({ message: `cannot read ${displayName}: no such file or not readable`, location: displayName })
    })
    return parseTextRecords(content, basename(file, extname(file)))
  })
