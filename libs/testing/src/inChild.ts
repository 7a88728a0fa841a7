/**
 * Running one long computation of a test in a child process. vitest's worker talks to its runner
 * over RPC with a fixed 60 s timeout; a test that blocks the worker's event loop for longer (one
 * synchronous tfjs call on the cpu backend at real width takes about 90 s on two cores) fails the
 * run with "Timeout calling onTaskUpdate" although every assertion passed. The child is a plain
 * `node --import tsx` process: it imports the module, calls the named export with the arguments and
 * sends back what it returns (structured clone, so typed arrays and Maps arrive as they were). Its
 * output goes to the test's; the assertions stay in the test.
 */
import { fork } from "node:child_process"
import { fileURLToPath } from "node:url"

export interface InChildOptions {
  /** extra environment for the child (merged over the test's) */
  readonly env?: Readonly<Record<string, string>>
}

/** Call `module`'s export `name` with `args` in a fresh Node process and resolve with its result. */
export const runInChild = <T>(module: URL, name: string, args: ReadonlyArray<unknown>, options: InChildOptions = {}): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const child = fork(childMain, [module.href, name], {
      execArgv: ["--import", "tsx"],
      serialization: "advanced",
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    let answer: ChildAnswer | undefined
    child.on("message", (m) => (answer = m as ChildAnswer))
    child.on("error", reject)
    child.on("exit", (code, signal) => {
      if (answer?.ok === true) resolve(answer.value as T)
      else if (answer?.ok === false) reject(childError(answer, module, name))
      else reject(new Error(`${describe(module, name)} ended without an answer (exit code ${code}${signal ? `, signal ${signal}` : ""})`))
    })
    child.send({ args })
  })

// internal

/** what the child sends back: the value, or the error's message and stack */
export type ChildAnswer = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string; readonly stack?: string }

const childMain = fileURLToPath(new URL("./inChildMain.ts", import.meta.url))

const describe = (module: URL, name: string): string => `${name}() of ${fileURLToPath(module).split("/").slice(-2).join("/")} in a child process`

const childError = (answer: Extract<ChildAnswer, { ok: false }>, module: URL, name: string): Error => {
  const e = new Error(`${describe(module, name)} failed: ${answer.message}`)
  if (answer.stack !== undefined) e.stack = `${e.message}\n--- in the child ---\n${answer.stack}`
  return e
}
