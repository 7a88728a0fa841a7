import * as fs from "node:fs"

/** This package's version, written into every manifest so an artifact says what built it. */
export const toolVersion: string = (() => {
  try {
    return (JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version
  } catch {
    return "unknown"
  }
})()
