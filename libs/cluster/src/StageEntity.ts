/**
 * The one message of the cluster: "execute stage S of workflow W against store D". It is an
 * `@effect/cluster` entity whose id is `GROUP/KEY` (the stage's cache key), so every request for the
 * same stage goes to the same runner, one at a time, and a persisted request outlives the runner that
 * held it: when that runner dies its shards move and the request is delivered again elsewhere. The
 * group is a shard group: only runners assigned to it (by their tags) ever receive its stages.
 */
import { ClusterSchema, Entity } from "@effect/cluster"
import { Rpc } from "@effect/rpc"
import { Schema } from "effect"

/** Shard groups, the same on every process of a cluster: `gpu` holds the stages that declare the device. */
export const shardGroups = ["default", "gpu"] as const
export type ShardGroup = (typeof shardGroups)[number]

export const StageRequest = Schema.Struct({
  /** the submission (one `zaoji run --cluster`) that asked */
  submission: Schema.String,
  /** absolute path of the workflow file, the same on every runner (shared filesystem) */
  workflowFile: Schema.String,
  /** absolute path of the shared artifact store */
  storeDir: Schema.String,
  set: Schema.Array(Schema.String),
  stageId: Schema.String,
  /** the cache key the submitter planned; a runner that resolves another key refuses */
  key: Schema.String,
  /** run even when the artifact is in the store (`--force` / `--from`) */
  force: Schema.Boolean
})
export type StageRequest = typeof StageRequest.Type

export const StageReply = Schema.Struct({
  status: Schema.Literal("done", "cached", "failed"),
  runner: Schema.String,
  engineRun: Schema.optional(Schema.String),
  error: Schema.optional(Schema.String),
  attempts: Schema.optional(Schema.Number)
})
export type StageReply = typeof StageReply.Type

export const StageExecution = Entity.make("ZaojiStage", [Rpc.make("Run", { payload: StageRequest, success: StageReply })])
  .annotateRpcs(ClusterSchema.Persisted, true)
  .annotate(ClusterSchema.ShardGroup, (entityId: string) => groupOfEntity(entityId))

/** The entity id of a stage: its group and its cache key. */
export const stageEntityId = (group: ShardGroup, key: string): string => `${group}/${key}`

/** The shard groups a runner with these tags serves: everyone serves `default`; `gpu`-tagged runners serve `gpu` too. */
export const groupsOfTags = (tags: ReadonlyArray<string>): ReadonlyArray<ShardGroup> =>
  tags.some((t) => tagName(t) === "gpu") ? ["default", "gpu"] : ["default"]

/** `mem=80G` → `mem`; `gpu` → `gpu`. */
export const tagName = (tag: string): string => tag.split("=")[0]!.trim()

// internal

const groupOfEntity = (entityId: string): ShardGroup => (entityId.startsWith("gpu/") ? "gpu" : "default")
