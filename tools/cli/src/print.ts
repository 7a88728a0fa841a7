import { Effect } from "effect"

/** Command output goes straight to stdout (not console.log), so it is the same under any host. */
export const printLine = (line: string): Effect.Effect<void> => Effect.sync(() => void process.stdout.write(line + "\n"))
