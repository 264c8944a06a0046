import { FlowProducer, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { config } from "../config";
import { createProducerConnection } from "./connection";
import { QUEUE_NAMES, type QueueKey } from "./jobs";
import { QUEUE_KEYS } from "../pipeline/stages";
import { queueTelemetry } from "../telemetry";
import { DEFAULT_JOB_OPTIONS, DEFAULT_PREFIX } from "./queues";

/** What the app (and the worker, for follow-up work) uses to enqueue. */
export interface Producers {
  flows: FlowProducer;
  /** The Redis connection the producers share (bounded commands: see createProducerConnection). */
  connection: Redis;
  /** The queues' key prefix, for the app's own keys and messages beside them. */
  prefix: string;
  queue(key: QueueKey): Queue;
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
  // Opened together, up front: a BullMQ queue first opened while Redis is down waits for it with no
  // bound, whereas commands on one already open fail within the connection's command timeout.
  const queues = new Map<QueueKey, Queue>(
    QUEUE_KEYS.map((key) => [
      key,
      new Queue(QUEUE_NAMES[key], {
        connection,
        prefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
        telemetry: queueTelemetry,
      }),
    ]),
  );
  const flows = new FlowProducer({ connection, prefix, telemetry: queueTelemetry });
  return {
    flows,
    connection,
    prefix,
    queue: (key) => queues.get(key)!,
    ping: () => connection.ping(),
    async close() {
      await Promise.all([flows.close(), ...[...queues.values()].map((q) => q.close())]);
      if (ownsConnection) connection.disconnect();
    },
  };
}

const globalKey = Symbol.for("scenebooth.producers");
type Holder = { [globalKey]?: Producers };

/** The process-wide producers for `config().redisUrl`, on a connection whose commands fail in bounded time. */
export function producers(): Producers {
  const holder = globalThis as Holder;
  if (!holder[globalKey]) {
    const cfg = config();
    holder[globalKey] = createProducers(createProducerConnection(cfg.redisUrl), cfg.queuePrefix, {
      ownsConnection: true,
    });
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
