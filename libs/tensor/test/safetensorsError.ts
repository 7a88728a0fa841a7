import { expect } from "vitest"
import { SafetensorsError } from "../src/index.js"

/** The SafetensorsError `fn` throws (failing the test when it throws nothing or something else). */
export const safetensorsError = (fn: () => unknown): SafetensorsError => {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError)
    return e as SafetensorsError
  }
  throw new Error("expected a SafetensorsError")
}
