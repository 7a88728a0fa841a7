import { Data } from "effect"
import { formatIssue, type Issue } from "./configDecode.js"

/** The workflow (graph, configs, input files, CLI selectors) is wrong: exit code 2, nothing ran. */
export class WorkflowInvalid extends Data.TaggedError("WorkflowInvalid")<{
  readonly workflow: string
  readonly issues: ReadonlyArray<Issue>
}> {
  override get message(): string {
    const n = this.issues.length
    return `workflow ${this.workflow} has ${n} problem${n === 1 ? "" : "s"}; nothing was run:\n` +
      this.issues.map((i) => `  - ${formatIssue(i).replace(/\n\s*/g, "\n      ")}`).join("\n")
  }
}

/** Another live process holds the store: exit code 2, the store is untouched. */
export class StoreLocked extends Data.TaggedError("StoreLocked")<{
  readonly store: string
  readonly holder: { readonly pid: number; readonly host: string; readonly startedAt: string; readonly command: string }
}> {
  override get message(): string {
    const h = this.holder
    return `the store ${this.store} is in use by process ${h.pid} on ${h.host} (${h.command}, started ${h.startedAt}); ` +
      `wait for it to finish, or use another store with --store DIR`
  }
}

/** One or more stages failed (after their retries): exit code 1. */
export class RunFailed extends Data.TaggedError("RunFailed")<{
  readonly runId: string
  readonly failures: ReadonlyArray<{ readonly stage: string; readonly tag: string; readonly message: string; readonly attempts: number }>
}> {
  override get message(): string {
    return this.failures
      .map((f) => `stage ${f.stage} failed after ${f.attempts} attempt${f.attempts === 1 ? "" : "s"} (${f.tag}): ${f.message}`)
      .join("\n")
  }
}
