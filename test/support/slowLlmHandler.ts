/**
 * The local server's default handler, answering each request after a short pause, so that QA
 * generation against it lasts long enough to be killed half-way.
 */
import { type ChatHandler, defaultHandler } from "@zaoji/testing"

const handler: ChatHandler = async (request, seq) => {
  await new Promise((r) => setTimeout(r, 25))
  return defaultHandler(request, seq)
}

export default handler
