/**
 * The one door to the reference fixtures beside the repository (`../shared`: golden model outputs,
 * metric fixtures, real data sets). A user's fresh clone does not have them, so tests that need them
 * skip with a clear message instead of failing; CI has them, so there those tests run.
 */
import { existsSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** repository root (this file lives at libs/testing/src) */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")

const candidate = process.env.ZAOJI_SHARED_DIR ?? join(repoRoot, "..", "shared")

/** absolute path of the shared fixtures folder, or undefined when absent */
export const sharedDir: string | undefined = existsSync(join(candidate, "golden")) ? candidate : undefined

export const hasShared: boolean = sharedDir !== undefined

export const sharedSkipReason =
  "reference fixtures not found (expected a 'shared' folder beside the repository, or ZAOJI_SHARED_DIR): skipped"

/** path inside the shared folder; throws if absent (call only inside tests guarded by `hasShared`) */
export const sharedPath = (...parts: ReadonlyArray<string>): string => {
  if (sharedDir === undefined) throw new Error(sharedSkipReason)
  return join(sharedDir, ...parts)
}

if (!hasShared && process.env.VITEST !== undefined && !(globalThis as any).__zaojiSharedWarned) {
  ;(globalThis as any).__zaojiSharedWarned = true
  // eslint-disable-next-line no-console
  console.warn(`[zaoji tests] ${sharedSkipReason}`)
}

/**
 * A suite title that carries the skip reason when the fixtures are absent, so the test report says why
 * a `describe.skipIf(!hasShared)` block did not run.
 */
export const sharedSuiteTitle = (title: string): string => (hasShared ? title : `${title} (${sharedSkipReason})`)
