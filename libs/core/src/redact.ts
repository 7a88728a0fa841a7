/**
 * Secrets never reach logs or manifests: config fields whose name says they hold a credential, and
 * any literal value of an environment variable ending in _API_KEY wherever it appears in a string.
 */
const SECRET_FIELD = /(?:^|[_\-.]|[a-z0-9])(?:key|token|secret|password|passwd|credentials?)$/i
const EXACT_SECRET = /^(?:key|token|secret|password|passwd|credentials?|apikey|api_key|authorization)$/i

export const REDACTED = "[redacted]"

export const isSecretField = (name: string): boolean =>
  EXACT_SECRET.test(name) || (SECRET_FIELD.test(name) && !/(?:tokens|keys)$/i.test(name))

/** the values of environment variables ending in _API_KEY (read once per use: process.env is slow to walk) */
export const envSecrets = (): ReadonlyArray<string> =>
  Object.entries(process.env)
    .filter(([k, v]) => k.endsWith("_API_KEY") && typeof v === "string" && v.length >= 4)
    .map(([, v]) => v as string)

export const redactString = (s: string, secrets: ReadonlyArray<string> = envSecrets()): string => {
  let out = s
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED)
  return out
}

/** Deep copy with secret-named fields replaced and env secrets masked inside every string. */
export const redact = <A>(value: A, secrets: ReadonlyArray<string> = envSecrets()): A => {
  const visit = (v: unknown): unknown => {
    if (typeof v === "string") return redactString(v, secrets)
    if (Array.isArray(v)) return v.map(visit)
    if (v !== null && typeof v === "object") {
      if (v instanceof Uint8Array) return v
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) {
        out[k] = isSecretField(k) && x !== undefined && x !== null && x !== "" ? REDACTED : visit(x)
      }
      return out
    }
    return v
  }
  return visit(value) as A
}

/** A command line as it may be recorded: `--set S.apiKey=…` values and env secrets masked. */
export const redactArgv = (argv: ReadonlyArray<string>): ReadonlyArray<string> =>
  argv.map((arg, i) => {
    const m = /^((?:--set=)?[^=]+\.([^.=]+)=)(.*)$/.exec(arg)
    const isSetValue = m && (arg.startsWith("--set=") || argv[i - 1] === "--set")
    return redactString(isSetValue && isSecretField(m[2]) ? `${m[1]}${REDACTED}` : arg)
  })
