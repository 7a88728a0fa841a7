/**
 * The pack of the GPU device check: one folder, at most 64 MiB (what the device tool carries), that
 * runs on a GPU host with no Node.js and no package registry:
 *
 *   run.sh            the launcher (POSIX sh): unpacks, finds the Vulkan loader and driver, runs
 *   node.gz           the Node binary running the packer, gzip -9 (gzip is on every Linux; xz is not)
 *   runner.mjs.gz     an esbuild bundle of the check (entry.ts): model code, tfjs, tfjs-backend-webgpu
 *   dawn.node.gz      webgpu's Dawn build for linux-x64 (unpacked to dist/linux-x64/ beside the bundle)
 *   lib*.deb          the Vulkan loader and the GL dispatch library NVIDIA's Vulkan driver links
 *                     against (LOADER_PACKAGES; unpacked only where the host lacks them)
 *   golden/           the golden fixtures of glm1 and glm2 (read at pack time from the shared folder)
 *   glm_reference.py  the PyTorch reference model;  torch_gpu.py  the PyTorch side
 *   pack.json         what is in the pack: each file's bytes and sha256, Node's version
 */
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { chmodSync, copyFileSync, cpSync, createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { basename, dirname, join, relative } from "node:path"
import { pipeline } from "node:stream/promises"
import { fileURLToPath } from "node:url"
import { constants, createGzip } from "node:zlib"

/** The device tool carries at most 64 MiB; the pack must fit whole. */
export const PACK_LIMIT_BYTES = 64 * 2 ** 20

export interface PackOptions {
  readonly outDir: string
  /** the golden fixtures folder (its glm1/ and glm2/ are copied); undefined: none (parity skipped there) */
  readonly goldenDir?: string
  /** the folder of glm_reference.py; undefined: none (the PyTorch side skipped there) */
  readonly referenceDir?: string
  /** .deb files to carry instead of LOADER_PACKAGES from the apt cache or `apt-get download` */
  readonly loaderDebs?: ReadonlyArray<string>
  /** fetch loader packages missing from the apt cache with `apt-get download` (default true) */
  readonly fetch?: boolean
  readonly log?: (line: string) => void
}

export interface PackResult {
  readonly outDir: string
  readonly bytes: number
  readonly files: ReadonlyArray<{ readonly path: string; readonly bytes: number }>
  /** what the pack lacks, and so what will be skipped on the host */
  readonly missing: ReadonlyArray<string>
}

export class PackTooLargeError extends Error {}

/**
 * Debian packages a bare GPU host may lack: the Vulkan loader, and libglvnd's GL dispatch libraries,
 * which NVIDIA's Vulkan driver (`libGLX_nvidia.so.0`, named by its ICD file) links against.
 */
export const LOADER_PACKAGES: ReadonlyArray<string> = ["libvulkan1", "libglvnd0", "libglx0"]

/** Build the pack into `outDir` (an empty or absent folder, or an earlier pack, which is replaced). */
export const packGpuCheck = async (o: PackOptions): Promise<PackResult> => {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`))
  prepareOutDir(o.outDir)
  const missing: string[] = []
  try {
    log("pack: bundling the check (esbuild)")
    await bundle(join(o.outDir, "runner.mjs"))
    await gzipFile(join(o.outDir, "runner.mjs"), join(o.outDir, "runner.mjs.gz"))
    rmSync(join(o.outDir, "runner.mjs"))
    log(`pack: compressing node ${process.version} (${process.execPath})`)
    await gzipFile(process.execPath, join(o.outDir, "node.gz"))
    await gzipFile(dawnNode(), join(o.outDir, "dawn.node.gz"))
    const debs = o.loaderDebs ?? findLoaderDebs(o.outDir, o.fetch ?? true, log)
    for (const deb of debs) if (dirname(deb) !== o.outDir) copyFileSync(deb, join(o.outDir, basename(deb)))
    const lacking = LOADER_PACKAGES.filter((p) => !debs.some((d) => basename(d).startsWith(`${p}_`)))
    if (o.loaderDebs === undefined && lacking.length > 0) missing.push(`the package(s) ${lacking.join(", ")}: the host must have its own`)
    if (o.goldenDir !== undefined && existsSync(join(o.goldenDir, "glm1", "cases.json"))) {
      for (const arch of ["glm1", "glm2"]) cpSync(join(o.goldenDir, arch), join(o.outDir, "golden", arch), { recursive: true })
    } else missing.push("the golden fixtures: the parity is skipped on the host")
    if (o.referenceDir !== undefined && existsSync(join(o.referenceDir, "glm_reference.py"))) {
      copyFileSync(join(o.referenceDir, "glm_reference.py"), join(o.outDir, "glm_reference.py"))
    } else missing.push("glm_reference.py: the PyTorch side is skipped on the host")
    copyFileSync(join(here, "torch_gpu.py"), join(o.outDir, "torch_gpu.py"))
    copyFileSync(join(here, "run.sh"), join(o.outDir, "run.sh"))
    chmodSync(join(o.outDir, "run.sh"), 0o755)
    const files = listFiles(o.outDir)
    writeFileSync(
      join(o.outDir, "pack.json"),
      `${JSON.stringify({ node: process.version, created: new Date().toISOString(), missing, files: files.map((f) => ({ ...f, sha256: sha256(join(o.outDir, f.path)) })) }, null, 2)}\n`
    )
    const all = listFiles(o.outDir)
    const bytes = all.reduce((n, f) => n + f.bytes, 0)
    if (bytes > PACK_LIMIT_BYTES) {
      const largest = [...all].sort((a, b) => b.bytes - a.bytes).slice(0, 4).map((f) => `${f.path} ${mib(f.bytes)}`)
      throw new PackTooLargeError(`the pack is ${mib(bytes)}, above the ${mib(PACK_LIMIT_BYTES)} a device run can carry; largest: ${largest.join(", ")}`)
    }
    log(`pack: ${mib(bytes)} in ${all.length} files at ${o.outDir} (limit ${mib(PACK_LIMIT_BYTES)})`)
    return { outDir: o.outDir, bytes, files: all, missing }
  } catch (e) {
    rmSync(o.outDir, { recursive: true, force: true })
    throw e
  }
}

// internal

const here = dirname(fileURLToPath(import.meta.url))

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`

/** refuse to empty a folder that is not an earlier pack */
const prepareOutDir = (dir: string): void => {
  if (existsSync(dir)) {
    const entries = readdirSync(dir)
    if (entries.length > 0 && !entries.includes("pack.json") && !entries.includes("run.sh")) {
      throw new Error(`${dir} is not empty and holds no earlier pack (no pack.json): choose an empty or new folder`)
    }
    rmSync(dir, { recursive: true, force: true })
  }
  mkdirSync(dir, { recursive: true })
}

const gzipFile = (from: string, to: string): Promise<void> =>
  pipeline(createReadStream(from), createGzip({ level: constants.Z_BEST_COMPRESSION }), createWriteStream(to))

/** dawn.node of the installed `webgpu` package, for linux-x64 whatever machine packs */
const dawnNode = (): string => {
  const require = createRequire(import.meta.url)
  const pkg = dirname(require.resolve("webgpu/package.json"))
  const file = join(pkg, "dist", "linux-x64", "dawn.node")
  if (!existsSync(file)) throw new Error(`${file} is missing: the webgpu package was installed without its linux-x64 build`)
  return file
}

/** LOADER_PACKAGES for amd64: the apt cache's, the others fetched with `apt-get download` into `dir` */
const findLoaderDebs = (dir: string, fetch: boolean, log: (line: string) => void): string[] => {
  const cache = "/var/cache/apt/archives"
  const cached = existsSync(cache) ? readdirSync(cache) : []
  const found: string[] = []
  const absent: string[] = []
  for (const p of LOADER_PACKAGES) {
    const hits = cached.filter((f) => f.startsWith(`${p}_`) && f.endsWith("_amd64.deb")).sort()
    if (hits.length > 0) found.push(join(cache, hits[hits.length - 1]!))
    else absent.push(p)
  }
  if (absent.length > 0 && fetch) {
    const r = spawnSync("apt-get", ["download", "-oAPT::Architecture=amd64", ...absent.map((p) => `${p}:amd64`)], { cwd: dir, encoding: "utf8", timeout: 120_000 })
    if (r.status !== 0) log(`pack: apt-get download ${absent.join(" ")} failed: ${(r.stderr ?? r.error?.message ?? "").trim().split("\n").pop() ?? ""}`)
    for (const f of readdirSync(dir)) if (absent.some((p) => f.startsWith(`${p}_`)) && f.endsWith(".deb")) found.push(join(dir, f))
  }
  return found
}

const bundle = async (outfile: string): Promise<void> => {
  const esbuild = await import("esbuild")
  await esbuild.build({
    entryPoints: [join(here, "entry.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    minify: true,
    legalComments: "none",
    logLevel: "error",
    // optional backends the check never selects (the webgpu backend is asked for by name)
    external: ["@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-backend-wasm", "node-fetch"],
    // CommonJS dependencies call require() for Node's built-ins
    banner: { js: "import { createRequire as __zaojiRequire } from 'node:module'; const require = __zaojiRequire(import.meta.url);" }
  })
}

const listFiles = (dir: string): Array<{ path: string; bytes: number }> => {
  const out: Array<{ path: string; bytes: number }> = []
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out.push({ path: relative(dir, p), bytes: statSync(p).size })
    }
  }
  walk(dir)
  return out.sort((a, b) => a.path.localeCompare(b.path))
}

const sha256 = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex")
