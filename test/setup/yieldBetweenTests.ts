/**
 * A turn of the event loop before every test. vitest's worker answers its runner over RPC with a
 * 60 s timeout, and only between macrotasks: model tests on a CPU backend run synchronous tfjs
 * work whose promises settle as microtasks, so a file's hooks and tests could otherwise run back to
 * back for minutes without the worker reading a reply, and the run would fail although every test
 * passed. Each piece of such work must itself stay well under a minute (see libs/testing runInChild).
 */
import { beforeEach } from "vitest"

beforeEach(() => new Promise<void>((resolve) => setImmediate(resolve)))
