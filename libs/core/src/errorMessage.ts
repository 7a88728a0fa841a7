/**
 * The text of anything thrown or failed with: an `Error`'s message, anything else as a string.
 * Libraries throw strings and plain objects too, and a report must still say something readable.
 */
export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e))
