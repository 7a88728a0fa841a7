/**
 * Which Host headers a loopback server answers. A page the user's browser opens can make it send
 * requests to 127.0.0.1 under a DNS name the page controls (DNS rebinding); such a request carries
 * that name in its Host header, so a loopback server refuses every Host that is not a loopback
 * literal or `localhost` with its own port.
 */
import { isLoopbackHost } from "@zaoji/core"

/**
 * Whether a Host header names this loopback server: a loopback IP literal or `localhost`, with the
 * port it listens on. Anything else is a name a DNS server chose (rebinding), or no name at all.
 */
export const hostHeaderAllowed = (header: string | undefined, port: number): boolean => {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(header ?? "")
  if (m === null) return false
  return isLoopbackHost(m[1]!.toLowerCase()) && Number(m[2] ?? 80) === port
}

export { isLoopbackHost }
