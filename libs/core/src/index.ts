export * as Stage from "./Stage.js"
export type { Artifact, StageDef, AnyStageDef, RetryPolicy } from "./Stage.js"
export type { StageContext, Checkpoint, Progress } from "./StageContext.js"
export * from "./errors.js"
