import { runCli } from "./cli.js"

const outcome = await runCli(process.argv)
process.exitCode = outcome.code
