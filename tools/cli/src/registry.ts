/**
 * The command registry: every command is a descriptor in ./commands (name, options, help — built on
 * every start, so it imports only @effect/cli and ./options.ts) whose handler in ./handlers is
 * imported when that command runs (see lazy.ts). Adding a command is one descriptor, one handler
 * module and one line below; the list is written out (not read from the folder) so that the build
 * can bundle it.
 */
import type { Command } from "@effect/cli"
import chat from "./commands/chat.js"
import exportCommand from "./commands/export.js"
import gc from "./commands/gc.js"
import inspect from "./commands/inspect.js"
import newCommand from "./commands/new.js"
import plan from "./commands/plan.js"
import rate from "./commands/rate.js"
import rateReport from "./commands/rate-report.js"
import report from "./commands/report.js"
import run from "./commands/run.js"
import runner from "./commands/runner.js"
import runs from "./commands/runs.js"
import serve from "./commands/serve.js"
import status from "./commands/status.js"

export type AnyCommand = Command.Command<any, any, any, any>

/** in the order `zaoji --help` lists them */
export const commands: ReadonlyArray<AnyCommand> = [chat, exportCommand, gc, inspect, newCommand, plan, rateReport, rate, report, run, runner, runs, serve, status]
