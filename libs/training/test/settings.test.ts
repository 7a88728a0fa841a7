/**
 * The training settings' encodings: a stage's cache key is computed from its encoded config, so a
 * setting added later with a default must leave the encoding of every existing config unchanged.
 */
import { describe, expect, it } from "vitest"
import { Either, Schema } from "effect"
import { trainingDefaults, trainingFields } from "../src/index.js"

const fields = trainingFields({ learningRate: 1e-4 })
const Settings = Schema.Struct(fields)
const { recompute: _recompute, ...before } = fields
const SettingsBefore = Schema.Struct(before)

describe("training settings", () => {
  it("recompute is off by default and absent from the encoding while off (cache keys of existing configs unchanged)", () => {
    const written = { learningRate: 2e-4, epochs: 3, batchSize: 4 }
    const decoded = Schema.decodeUnknownSync(Settings, { onExcessProperty: "error" })(written)
    expect(decoded.recompute).toBe(false)
    const encoded = Schema.encodeSync(Settings)(decoded)
    expect(encoded).not.toHaveProperty("recompute")
    expect(encoded).toEqual(Schema.encodeSync(SettingsBefore)(Schema.decodeUnknownSync(SettingsBefore)(written)))
    expect(trainingDefaults({ learningRate: 1e-4 }).recompute).toBe(false)
  })

  it("recompute: true decodes, is encoded (a different key) and a non-boolean is refused on the field", () => {
    const on = Schema.decodeUnknownSync(Settings)({ recompute: true })
    expect(on.recompute).toBe(true)
    expect(Schema.encodeSync(Settings)(on)).toHaveProperty("recompute", true)
    const bad = Schema.decodeUnknownEither(Settings)({ recompute: "yes" })
    expect(Either.isLeft(bad) && String(bad.left)).toMatch(/recompute[\s\S]*Expected boolean, actual "yes"/)
  })
})
