// A deleted shop's files on the GPU hosts (their SCENEBOOTH_WORK_DIR), which the app cannot reach:
// the deletion publishes one Redis message that every GPU worker subscribes to; each host removes
// the shop's work folder and records an acknowledgement (host → time) under the shop for a week, so
// that an operator can see which hosts purged. A host that was down misses the message; its sweeper
// removes the folders of shops that are not installed when it starts.
import type { Redis } from "ioredis";
import type { Producers } from "../queue/producer";

export const WORKDIR_PURGE_ACK_TTL_S = 7 * 24 * 3600;

export const workDirPurgeChannel = (prefix: string) => `${prefix}:workdir-purge`;
const acksKey = (prefix: string, shop: string) => `${prefix}:workdir-purge:${shop}`;

export interface WorkDirPurgeMessage {
  shop: string;
  requestedAt: string;
}

export interface WorkDirPurgeAck {
  at: string;
  /** Top-level folders removed (the shop's folder, or its subjects' when some were in use). */
  removed: number;
  /** Subject folders a running job still held: removed on that host as soon as the job lets go. */
  kept: string[];
}

/** Asks every GPU worker listening now to remove the shop's work folder; resolves with how many got the message. */
export async function broadcastWorkDirPurge(producers: Producers, shop: string): Promise<number> {
  const { connection: redis, prefix } = producers;
  const message: WorkDirPurgeMessage = { shop, requestedAt: new Date().toISOString() };
  return redis.publish(workDirPurgeChannel(prefix), JSON.stringify(message));
}

/** A host's acknowledgement that it purged the shop's work folder. */
export async function recordWorkDirPurge(
  redis: Redis,
  prefix: string,
  shop: string,
  host: string,
  ack: WorkDirPurgeAck,
): Promise<void> {
  const key = acksKey(prefix, shop);
  await redis.multi().hset(key, host, JSON.stringify(ack)).expire(key, WORKDIR_PURGE_ACK_TTL_S).exec();
}

/** The hosts that purged the shop's work folder in the last week, by host. */
export async function workDirPurgeAcks(producers: Producers, shop: string): Promise<Record<string, WorkDirPurgeAck>> {
  const { connection: redis, prefix } = producers;
  const raw = await redis.hgetall(acksKey(prefix, shop));
  return Object.fromEntries(Object.entries(raw).map(([host, value]) => [host, JSON.parse(value) as WorkDirPurgeAck]));
}
