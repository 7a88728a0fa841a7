import { isAbsolute, resolve } from "node:path"

/**
 * A path from a stage config, made absolute: relative paths are relative to the workflow's folder
 * (`ctx.baseDir`), so a workflow runs the same from any working directory.
 */
export const pathIn = (baseDir: string, p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p))
