/**
 * The stage-2 methods `zaoji new specialty --stage2` offers. A module of its own (nothing imported)
 * because the command's descriptor, which every start builds, needs the list but not the generator.
 */
export const STAGE2_METHODS = ["freeze", "lora", "both"] as const
export type Stage2Method = (typeof STAGE2_METHODS)[number]
