import { FlowProducer, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { config } from "../config";
import { createRedisConnection } from "./connection";
import { QUEUE_NAMES, type QueueKey } from "./jobs";
import { DEFAULT_JOB_OPTIONS, DEFAULT_PREFIX } from "./queues";

/** What the app (and the worker, for follow-up work) uses to enqueue. */
export interface Producers {
  flows: FlowProducer;
  queue(key: QueueKey): Queue;
  /** The queues' Redis connection and key prefix, for the app's own keys and messages beside them. */
  redis: Redis;
  prefix: string;
  /** Pings Redis over the producers' own connection (health checks). */
  ping(): Promise<unknown>;
  close(): Promise<void>;
}

/** With `ownsConnection`, close() also disconnects Redis (BullMQ leaves a connection it was given open). */
export function createProducers(
  connection: Redis,
  prefix = DEFAULT_PREFIX,
  { ownsConnection = false } = {},
): Producers {
  const queues = new Map<QueueKey, Queue>();
  const flows = new FlowProducer({ connection, prefix });
  return {
    flows,
    redis: connection,
    prefix,
    queue(key) {
      let queue = queues.get(key);
      if (!queue) {
        queue = new Queue(QUEUE_NAMES[key], { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
        queues.set(key, queue);
      }
      return queue;
    },
    ping: () => connection.ping(),
    async close() {
      await Promise.all([flows.close(), ...[...queues.values()].map((q) => q.close())]);
      if (ownsConnection) connection.disconnect();
    },
  };
}

const globalKey = Symbol.for("scenebooth.producers");
type Holder = { [globalKey]?: Producers };

/** The process-wide producers for `config().redisUrl`. */
export function producers(): Producers {
  const holder = globalThis as Holder;
  if (!holder[globalKey]) {
    const cfg = config();
    holder[globalKey] = createProducers(createRedisConnection(cfg.redisUrl), cfg.queuePrefix, { ownsConnection: true });
  }
  return holder[globalKey];
}

/** Closes the process-wide producers if they were created (at shutdown). */
export async function closeProducers(): Promise<void> {
  const holder = globalThis as Holder;
  const open = holder[globalKey];
  delete holder[globalKey];
  await open?.close();
}
