/** Shape helpers shared by the weight-file readers (for their checks and error messages). */
export const fmtShape = (s: ReadonlyArray<number>): string => `[${s.join(", ")}]`
export const numel = (s: ReadonlyArray<number>): number => s.reduce((a, b) => a * b, 1)
