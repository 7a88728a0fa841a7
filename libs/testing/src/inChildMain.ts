/**
 * The child side of runInChild (inChild.ts): `node --import tsx inChildMain.ts <module URL> <export>`
 * waits for one message `{ args }`, calls the export and answers `{ ok, value }` or the error.
 */
import type { ChildAnswer } from "./inChild.js"

const [moduleHref, name] = process.argv.slice(2)

const answer = async (args: ReadonlyArray<unknown>): Promise<ChildAnswer> => {
  try {
    const mod = (await import(moduleHref!)) as Record<string, unknown>
    const fn = mod[name!]
    if (typeof fn !== "function") throw new Error(`${moduleHref} has no exported function "${name}"`)
    return { ok: true, value: await (fn as (...a: ReadonlyArray<unknown>) => unknown)(...args) }
  } catch (e) {
    return e instanceof Error ? { ok: false, message: e.message, ...(e.stack ? { stack: e.stack } : {}) } : { ok: false, message: String(e) }
  }
}

process.once("message", (m) => {
  void answer((m as { args: ReadonlyArray<unknown> }).args).then((a) => process.send!(a, () => process.exit(0)))
})
