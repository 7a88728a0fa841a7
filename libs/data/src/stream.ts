/**
 * @zaoji/data/stream: the streaming readers, for files read row by row (constant memory). Apart
 * from the package entry because effect's Stream is a large module that loading a workflow (every
 * stage definition imports @zaoji/data) does not need.
 */
export { streamLines, type NumberedLine } from "./lines.js"
export { rawRows } from "./rawRows.js"
export { streamRows, forEachRow } from "./streamRows.js"
