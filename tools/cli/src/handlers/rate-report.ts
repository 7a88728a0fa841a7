import { Console, Effect, Option } from "effect"
import type { RateReportArgs } from "../commands/rate-report.js"

export default (a: RateReportArgs) =>
  Effect.gen(function* () {
    const { humanReport } = yield* Effect.promise(() => import("@zaoji/metrics/kit"))
    const { files } = yield* humanReport({
      kitDir: a.kit,
      outDir: Option.getOrUndefined(a.out),
      mappingPath: Option.getOrUndefined(a.mapping),
      dbPath: Option.getOrUndefined(a.db)
    })
    yield* Console.log(`wrote ${files.json} and ${files.markdown}`)
  })
