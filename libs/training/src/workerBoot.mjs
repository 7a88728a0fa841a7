// Worker-thread entry. Node 20 resolves a worker's entry file before `--import tsx` hooks are active
// in that thread, so the entry is plain JavaScript: it registers tsx here, then loads the TS worker.
import { register } from "tsx/esm/api"

register()
await import("./worker.ts")
