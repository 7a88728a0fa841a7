/**
 * @zaoji/cluster — workflows on a cluster of runners: @effect/cluster over PostgreSQL for dispatch
 * (runner and message storage, shard locks), the engine's journal in PostgreSQL, one advisory lock
 * per stage, the items of a stage (ItemJobs) fanned out over the runners under one limit per endpoint,
 * and the artifact store on a shared filesystem. The embedded engine (@zaoji/core) is
 * unchanged; a runner executes one stage at a time through it.
 */
export { runRunner, type RunnerOptions } from "./runner.js"
export { submitWorkflow, type SubmitOptions } from "./submit.js"
export { clusterStatus, statusLines, type ClusterStatus } from "./clusterStatus.js"
export { executeStage, type StageHost, type LoadedWorkflow } from "./executeStage.js"
export { StageExecution, StageRequest, StageReply, stageEntityId, groupsOfTags, shardGroups } from "./StageEntity.js"
export { Placements, placementsLayer } from "./placements.js"
export type { ItemRunRow, PlacementsApi, PlacementRow, PlacementStatus, RunnerRow, SubmissionRow } from "./placements.js"
export { executeItem, ItemExecution, ItemFailure, ItemRequest, makeItemRunner, withClusterLimits, type ItemHost } from "./itemFanOut.js"
export { pgJournalLayer } from "./pgJournal.js"
export { ClusterUnavailable, databaseWatchdog, pgLayer, redactUrl } from "./pg.js"
export { makeSharedStore, sharedStoreLayer } from "./sharedStore.js"
export { withStageLock } from "./stageLock.js"
export { clusterSharding } from "./settings.js"
