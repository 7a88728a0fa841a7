/** URL of the GLM training program module (what data-parallel worker threads load). */
export const glmProgramModule: string = new URL("./program.ts", import.meta.url).href
