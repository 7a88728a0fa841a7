import { runRunner } from "@zaoji/cluster"
import { Effect, Option } from "effect"
import * as net from "node:net"
import { printLine } from "../print.js"
import { applyBackendOption } from "../storeOption.js"
import { UsageError } from "../usage.js"
import { loadWorkflowToRun } from "../workflowFile.js"
import type { RunnerArgs } from "../commands/runner.js"

export default (a: RunnerArgs) =>
  Effect.gen(function* () {
    yield* applyBackendOption(a.backend)
    if (a.slots < 1) return yield* Effect.fail(new UsageError({ message: `--slots must be at least 1 (got ${a.slots})` }))
    const tags = a.tags.split(",").map((t) => t.trim()).filter((t) => t.length > 0)
    const port = Option.isSome(a.port) ? a.port.value : yield* Effect.promise(() => freePort(a.host))
    yield* runRunner({
      url: a.cluster,
      tags,
      slots: a.slots,
      host: a.host,
      port,
      loadWorkflow: loadWorkflowToRun,
      onEvent: a.json ? (e) => process.stdout.write(`${JSON.stringify(e)}\n`) : undefined,
      onReady: (id) =>
        a.json
          ? process.stdout.write(`${JSON.stringify({ type: "runner", status: "ready", runner: id, tags, slots: a.slots, pid: process.pid })}\n`)
          : process.stderr.write(`runner ${id} ready (tags ${tags.join(",") || "-"}, ${a.slots} slot${a.slots === 1 ? "" : "s"})\n`)
    })
  }).pipe(Effect.asVoid, Effect.tap(() => printLine("runner stopped")))

// internal

/** A port the system gives out now; the runner binds it right after. */
const freePort = (host: string) =>
  new Promise<number>((resolve, reject) => {
    const srv = net.createServer()
    srv.on("error", reject)
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
  })
