/**
 * Running one test suite on several backends without copying it: a suite asks `useSuiteBackend`
 * for its backend instead of naming one, and a second test file re-runs it elsewhere by calling
 * `runSuitesOn("webgpu")` and then importing the first file (each test file has its own modules).
 */
import { ensureBackend, useBackend, type BackendName } from "./backend.js"

let suiteBackend: BackendName | undefined

/** Make the suites imported after this call run on `name`. */
export const runSuitesOn = (name: BackendName): void => {
  suiteBackend = name
}

/** The backend a suite re-run was asked for (undefined: the suite's own choice). */
export const suiteBackendName = (): BackendName | undefined => suiteBackend

/** Switch to the re-run's backend, else to `own` ("auto": the automatic choice). */
export const useSuiteBackend = async (own: BackendName | "auto"): Promise<BackendName> => {
  const name = suiteBackend ?? own
  if (name === "auto") return ensureBackend()
  await useBackend(name)
  return name
}

/** A suite title that names the re-run's backend. */
export const suiteTitle = (title: string): string => (suiteBackend === undefined ? title : `${title} on ${suiteBackend}`)
