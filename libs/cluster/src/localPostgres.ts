/**
 * A throwaway PostgreSQL server as a local process (for the cluster tests and benchmark, or to try a
 * cluster on one machine): `initdb` into a fresh temp
 * folder, started on a free loopback port with trust authentication, stopped (and the folder
 * removed) at the end. Debian's binaries (`apt-get install postgresql`, which `.ci/run` does) are
 * used; initdb refuses to run as root, so as root the server runs as the `postgres` user.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"

export interface PgServer {
  readonly url: string
  readonly port: number
  /** stop the server (fast shutdown: open connections are cut), keeping its data */
  readonly stop: () => void
  /** start it again on the same port and data */
  readonly start: () => void
  /** stop and remove everything */
  readonly destroy: () => void
}

/** Where Debian keeps initdb/pg_ctl, or why no server can be started here. */
export const postgresBin = (): { readonly dir: string } | { readonly missing: string } => {
  const root = "/usr/lib/postgresql"
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, "bin", "initdb"))) : []
  if (versions.length === 0) return { missing: "PostgreSQL is not installed (apt-get install postgresql); the cluster tests need a real server" }
  const dir = path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0]!, "bin")
  if (process.getuid?.() === 0) {
    try {
      execFileSync("id", ["postgres"], { stdio: "ignore" })
    } catch {
      return { missing: "running as root without a postgres user to run the server as" }
    }
  }
  return { dir }
}

export const startPostgres = async (): Promise<PgServer> => {
  const bin = postgresBin()
  if ("missing" in bin) throw new Error(bin.missing)
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "zaoji-pg-"))
  const data = path.join(root, "data")
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    fs.chmodSync(root, 0o755)
    execFileSync("chown", ["postgres", root])
  }
  const pg = (tool: string, args: ReadonlyArray<string>) =>
    asRoot
      ? execFileSync("runuser", ["-u", "postgres", "--", path.join(bin.dir, tool), ...args], { stdio: "pipe" })
      : execFileSync(path.join(bin.dir, tool), args, { stdio: "pipe" })
  pg("initdb", ["-D", data, "-A", "trust", "-U", "zaoji", "--no-sync", "-E", "UTF8"])
  const port = await freePort()
  // the socket goes in our own folder, never in the system's /var/run/postgresql
  const opts = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`
  const start = () => void pg("pg_ctl", ["-D", data, "-o", opts, "-l", path.join(root, "server.log"), "-w", "-t", "60", "start"])
  const stop = () => void pg("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"])
  start()
  return {
    url: `postgres://zaoji@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    destroy: () => {
      try {
        stop()
      } catch {
        // already stopped
      }
      fs.rmSync(root, { recursive: true, force: true })
    }
  }
}

// internal

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = net.createServer()
    srv.on("error", reject)
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(port))
    })
  })
