/**
 * A command's handler loaded when the command runs: the descriptor (name, options, help) stays in
 * the command tree that every start builds, and the handler's module — with the engine, tfjs or a
 * model behind it — is imported only by the command that runs.
 */
import { Effect } from "effect"

/** `lazyHandler(() => import("../handlers/status.js"))`: the module's default export runs the command */
export function lazyHandler<A, Err, R>(
  load: () => Promise<{ readonly default: (args: A) => Effect.Effect<void, Err, R> }>
): (args: A) => Effect.Effect<void, Err, R>
/** `pick` chooses another export (a command with subcommands keeps their handlers in one module) */
export function lazyHandler<M, A, Err, R>(
  load: () => Promise<M>,
  pick: (m: M) => (args: A) => Effect.Effect<void, Err, R>
): (args: A) => Effect.Effect<void, Err, R>
export function lazyHandler(load: () => Promise<any>, pick: (m: any) => (args: unknown) => Effect.Effect<void, unknown, unknown> = (m) => m.default) {
  return (args: unknown) => Effect.flatMap(Effect.promise(load), (m) => pick(m)(args))
}
