/**
 * The cluster's timings, defined once. Every process of a cluster (runners and submitters) must use
 * the same `shardsPerGroup` and shard groups, so these are constants of the code, not options.
 */
import type { ShardingConfig } from "@effect/cluster"
import { shardGroups } from "./StageEntity.js"

export const clusterSharding: Partial<ShardingConfig.ShardingConfig["Type"]> = {
  availableShardGroups: shardGroups,
  /** few runners per cluster: fewer shards mean fewer shard locks to take and refresh (default 300) */
  shardsPerGroup: 32,
  /** how often a runner looks for requests left in storage (e.g. by a runner that died); default 10 s */
  entityMessagePollInterval: "1 second",
  /**
   * how often a process waiting on replies from other runners reads them from storage (default 200 ms):
   * a fanned-out item's reply comes this way, so the poll bounds what each remote item adds to its
   * request; it only polls while replies are awaited
   */
  entityReplyPollInterval: "25 millis",
  /** how often a new runner list is read and shards re-balanced; default 3 s */
  refreshAssignmentsInterval: "1 second",
  /** how often runners ping each other; a runner that does not answer loses its shards (default 1 min) */
  runnerHealthCheckInterval: "2 seconds",
  /** a stage can run for hours; its entity must not be stopped for silence meanwhile */
  entityMaxIdleTime: "10 minutes",
  /** a runner stopping (Ctrl-C) lets running stages end their checkpoint write */
  entityTerminationTimeout: "10 seconds"
}

/** How often a runner writes its heartbeat (what `zaoji status --cluster` shows as "seen"). */
export const heartbeatEvery = "2 seconds"
/** A runner silent for longer than this is shown as gone. */
export const goneAfterSeconds = 10
