/**
 * `zaoji new specialty NAME`: a workflow file from the specialty template plus a data folder holding
 * copies of the sample data and a README stub. Everything is checked before anything is written,
 * and the data folder appears whole (built beside it, then renamed).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { moduleScopeOf } from "@zaoji/core"
import { nameProblem } from "./names.js"
import { renderTemplate } from "./render.js"
import { repoRoot, sampleDataDir, sampleDataFiles } from "./locations.js"
import { GeneratorRefused } from "./refused.js"
import { stagingDir } from "./staging.js"
import type { Stage2Method } from "./stage2Methods.js"

export interface SpecialtyOptions {
  readonly name: string
  /** KG departments the specialty selects (kg.select.departments) */
  readonly departments: ReadonlyArray<string>
  /** the folder the workflow file goes into (its data folder goes beside it) */
  readonly dir: string
  /** the stage-2 method: freeze tuning (the paper's), LoRA, or both side by side (default freeze) */
  readonly stage2?: Stage2Method
}

export { STAGE2_METHODS, type Stage2Method } from "./stage2Methods.js"

const freezeStage = (id: string, handle: string) =>
  `    const ${handle} = w.stage(
      "${id}",
      Freeze.train,
      { trainableLayers: 2, prefix: "frozen", learningRate: 4e-3, epochs: 6, batchSize: 16, maxSourceLength: 64, maxTargetLength: 96 },
      { model: stage1, data: specialtyData }
    )
`

// LoRA on every linear of every layer; the stage-1 prefix stays frozen in the forward
const loraStage = (id: string, handle: string) =>
  `    const ${handle} = w.stage(
      "${id}",
      Lora.train,
      {
        rank: 8,
        alpha: 16,
        targetModules: ["query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"],
        learningRate: 5e-3,
        epochs: 6,
        batchSize: 16,
        maxSourceLength: 64,
        maxTargetLength: 96
      },
      { model: stage1, data: specialtyData }
    )
`

/** the template values that differ by stage-2 method */
const stage2Values = (m: Stage2Method): Record<string, string> => {
  const both = m === "both"
  return {
    stage2Method: m === "lora" ? "LoRA (low-rank adapters on every layer's linears)" : "freeze tuning of the last layers",
    stage2HeaderExtra: both ? " *   medglm-h-lora  the same, with LoRA (low-rank adapters on every layer's linears) in place of\n *                  freeze tuning: the report compares the two side by side\n" : "",
    stage2SetExample: m === "lora" ? "medglm-h.rank=16" : "medglm-h.trainableLayers=5",
    stage2Imports: [
      ...(m !== "lora" ? ['import { Freeze } from "@zaoji/freeze"'] : []),
      ...(m !== "freeze" ? ['import { Lora } from "@zaoji/lora"'] : [])
    ].map((l) => `${l}\n`).join(""),
    stage2Stages: (m === "lora" ? loraStage("medglm-h", "stage2") : freezeStage("medglm-h", "stage2")) + (both ? loraStage("medglm-h-lora", "stage2Lora") : ""),
    evalStage: both ? 'Metrics.compareModels(["base", "stage1", "stage2", "stage2Lora"])' : "Metrics.compare",
    evalTitleExtra: both ? " (freeze) vs stage 2 (LoRA)" : "",
    evalInputsExtra: both ? ", stage2Lora" : ""
  }
}

export interface SpecialtyResult {
  readonly workflowFile: string
  readonly dataDir: string
  readonly files: ReadonlyArray<string>
  /** the given departments that the copied sample KG has entries for */
  readonly departmentsInSample: ReadonlyArray<string>
  /** whether the workflow selects the given departments now (false: none is in the sample KG) */
  readonly selecting: boolean
}

/** departments that occur in the sample KG (any level of an entry's `departments`) */
const sampleDepartments = (): Set<string> => {
  const out = new Set<string>()
  const text = fs.readFileSync(path.join(sampleDataDir, "kg.jsonl"), "utf8")
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue
    const entry = JSON.parse(line) as { departments?: ReadonlyArray<string> }
    for (const d of entry.departments ?? []) out.add(d)
  }
  return out
}

const tsString = (s: string) => JSON.stringify(s)
const tsList = (xs: ReadonlyArray<string>) => `[${xs.map(tsString).join(", ")}]`

export const generateSpecialty = (opts: SpecialtyOptions): SpecialtyResult => {
  const problem = nameProblem("specialty", opts.name)
  if (problem) throw new GeneratorRefused(problem)
  const badDept = opts.departments.find((d) => d.trim() === "" || d !== d.trim())
  if (badDept !== undefined) throw new GeneratorRefused(`--department ${JSON.stringify(badDept)}: expected a department name without surrounding spaces (e.g. 心内科)`)
  const dir = path.resolve(opts.dir)
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new GeneratorRefused(`${opts.dir} is not a folder`)
  const workflowFile = path.join(dir, `${opts.name}.workflow.ts`)
  const dataDir = path.join(dir, opts.name)
  if (fs.existsSync(workflowFile)) throw new GeneratorRefused(`${workflowFile} already exists; choose another name or remove it first`)
  if (fs.existsSync(dataDir)) throw new GeneratorRefused(`${dataDir} already exists; choose another name or remove it first`)
  // a workflow is an ES module: a folder outside any package gets a package.json saying so; a folder
  // inside a CommonJS package cannot hold one
  const scope = moduleScopeOf(fs.existsSync(dir) ? dir : nearestExisting(dir))
  if (scope.packageJson !== undefined && scope.type !== "module") {
    throw new GeneratorRefused(`${scope.packageJson} has no "type": "module", so a workflow in ${opts.dir} would be read as CommonJS; choose a folder outside that package`)
  }
  const packageJson = scope.packageJson === undefined ? path.join(dir, "package.json") : undefined

  const known = sampleDepartments()
  const inSample = opts.departments.filter((d) => known.has(d))
  // kg.load fails on a selection that keeps nothing, and the workflow must run on the sample data
  // as generated: select only when the sample KG has entries of one of the departments
  const selecting = inSample.length > 0
  const list = tsList(opts.departments)
  const workflowNote = opts.departments.length === 0
    ? ""
    : selecting
      ? ""
      : `// The sample kg.jsonl copied into ${opts.name}/ has no entry of ${opts.departments.join("/")}, so the\n` +
        `// selection stays empty until ${opts.name}/kg.jsonl is your own graph; then write ${list} below.\n`
  const readmeNote = opts.departments.length === 0
    ? "The workflow uses the whole knowledge graph (`const departments` in the workflow is empty); list\n" +
      "the departments of your specialty there to train stage 1 on their entries only."
    : selecting
      ? `The workflow selects the knowledge-graph entries of ${opts.departments.join(", ")} (\`const departments\`).`
      : `**To do:** the sample \`kg.jsonl\` has no entry of ${opts.departments.join(", ")}, so the workflow\n` +
        `uses the whole graph for now. Once \`kg.jsonl\` is your own graph, set \`const departments = ${list}\`\n` +
        "in the workflow (or run with `--set kg.select.departments='" + JSON.stringify(opts.departments) + "'`)."

  // how the file's own comments name it: from the repository root, or by its name when elsewhere
  const fromRepo = path.relative(repoRoot, workflowFile)
  const relWorkflow = fromRepo.startsWith("..") || path.isAbsolute(fromRepo) ? path.basename(workflowFile) : fromRepo
  const values = {
    name: opts.name,
    title: opts.name.charAt(0).toUpperCase() + opts.name.slice(1),
    workflowFile: `${opts.name}.workflow.ts`,
    workflowPath: relWorkflow.split(path.sep).join("/"),
    departments: selecting ? list : "[]",
    departmentsNote: workflowNote,
    ...stage2Values(opts.stage2 ?? "freeze")
  }
  const workflowText = renderTemplate("specialty/workflow.ts.tmpl", values)
  const readmeText = renderTemplate("specialty/README.md.tmpl", { ...values, departmentsNote: readmeNote })

  fs.mkdirSync(dir, { recursive: true })
  const staging = stagingDir(dir, opts.name)
  try {
    for (const f of sampleDataFiles) fs.copyFileSync(path.join(sampleDataDir, f), path.join(staging, f))
    fs.writeFileSync(path.join(staging, "README.md"), readmeText)
    fs.renameSync(staging, dataDir)
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true })
    throw e
  }
  // the workflow file last: a workflow that exists always has its data folder (and its package.json)
  const tmpFile = `${workflowFile}.tmp-${process.pid}`
  try {
    if (packageJson !== undefined) fs.writeFileSync(packageJson, `${JSON.stringify({ private: true, type: "module" }, null, 2)}\n`, { flag: "wx" })
    fs.writeFileSync(tmpFile, workflowText, { flag: "wx" })
    fs.renameSync(tmpFile, workflowFile)
  } catch (e) {
    fs.rmSync(tmpFile, { force: true })
    if (packageJson !== undefined) fs.rmSync(packageJson, { force: true })
    fs.rmSync(dataDir, { recursive: true, force: true })
    throw e
  }
  return {
    workflowFile,
    dataDir,
    files: [workflowFile, ...[...sampleDataFiles, "README.md"].map((f) => path.join(dataDir, f)), ...(packageJson ? [packageJson] : [])],
    departmentsInSample: inSample,
    selecting
  }
}

const nearestExisting = (p: string): string => (fs.existsSync(p) ? p : nearestExisting(path.dirname(p)))
