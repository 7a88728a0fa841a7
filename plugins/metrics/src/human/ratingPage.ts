/**
 * The rating page: one self-contained HTML document (inline CSS and JS, no external resources, so
 * it works offline and leaks nothing). Its script is the typed browser module in page/ratingPage.ts,
 * bundled by esbuild in memory the first time a rating server starts in this process; the page's
 * data (kit, token, rater) travels as a JSON data block the browser does not execute, so the CSP
 * allows exactly one script, by its SHA-256 hash, and no eval.
 */
import { createHash } from "node:crypto"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { BOOT_ELEMENT_ID, type RatingPageBoot } from "./page/boot.js"

export type { RatingPageBoot }

/** The bundled script and styles, and the CSP that admits exactly that script. */
export interface RatingPageAssets {
  readonly script: string
  readonly style: string
  readonly contentSecurityPolicy: string
}

/** Bundle the page (once per process; later calls share the result). */
export const ratingPageAssets = (): Promise<RatingPageAssets> => {
  assets ??= bundle().catch((e: unknown) => {
    assets = undefined
    throw e
  })
  return assets
}

export const ratingPageHtml = (page: RatingPageAssets, boot: RatingPageBoot): string =>
  [
    "<!doctype html>",
    '<html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    "<title>Rating</title><style>",
    page.style,
    "</style></head><body>",
    '<header><h1 id="title"></h1><span id="rater"></span><span id="status" data-testid="status"></span></header>',
    '<main id="app"></main>',
    `<script type="application/json" id="${BOOT_ELEMENT_ID}">${jsonForScript(boot)}</script>`,
    // the hash covers exactly the text between the tags
    `<script>${page.script}</script>`,
    "</body></html>"
  ].join("\n")

// internal

let assets: Promise<RatingPageAssets> | undefined

const pageDir = fileURLToPath(new URL("./page/", import.meta.url))
const entry = (file: string): string => join(pageDir, file)

const bundle = async (): Promise<RatingPageAssets> => {
  // loaded here, not at the top: only `zaoji rate` needs the bundler
  const esbuild = await import("esbuild")
  const result = await esbuild.build({
    entryPoints: [entry("ratingPage.ts"), entry("ratingPage.css")],
    bundle: true,
    write: false,
    // paths in the bundle's comments are relative to the page folder, whatever the working directory
    absWorkingDir: pageDir,
    // outputs stay in memory; their names only must not be those of the inputs
    outdir: ".",
    entryNames: "[name].bundle",
    format: "iife",
    platform: "browser",
    target: "es2020",
    charset: "utf8",
    legalComments: "none",
    logLevel: "silent"
  })
  const output = (ext: string): string => {
    const file = result.outputFiles.find((f) => f.path.endsWith(ext))
    if (file === undefined) throw new Error(`bundling the rating page produced no ${ext} file`)
    return file.text
  }
  const script = output(".js")
  const style = output(".css")
  // a closing tag inside the inlined code would end the element early
  if (/<\/script/i.test(script) || /<\/style/i.test(style)) throw new Error("the bundled rating page contains a closing </script> or </style> tag")
  const hash = createHash("sha256").update(script, "utf8").digest("base64")
  return {
    script,
    style,
    contentSecurityPolicy: `default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:`
  }
}

/** `</script>` inside JSON would end the script element early */
const jsonForScript = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029")
