/**
 * Template rendering: `{{key}}` placeholders, nothing else. A placeholder without a value is a bug
 * in the generator, so it throws rather than write a file with a hole in it.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { templatesDir } from "./locations.js"

export const render = (template: string, values: Readonly<Record<string, string>>, what: string): string => {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const v = values[key]
    if (v === undefined) throw new Error(`template ${what} uses {{${key}}}, which the generator does not provide`)
    return v
  })
}

/** render a file of tools/cli/templates/ (its name there ends in .tmpl) */
export const renderTemplate = (relative: string, values: Readonly<Record<string, string>>): string =>
  render(fs.readFileSync(path.join(templatesDir, relative), "utf8"), values, relative)
