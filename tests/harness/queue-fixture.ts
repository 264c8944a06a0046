// A fresh migrated SQLite database and BullMQ producers on a private Redis prefix, for the tests of
// lib/ code that writes rows and queues jobs (requests, resume, reconcile, shop data).
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { PrismaClient } from "../../lib/db";
import { checkRedis, createRedisConnection } from "../../lib/queue/connection";
import { createProducers, type Producers } from "../../lib/queue/producer";
import { QUEUE_KEYS } from "../../lib/pipeline/stages";
import { migratedSqlite } from "./database";

export const TEST_REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export interface DbAndQueues {
  client: PrismaClient;
  connection: Redis;
  producers: Producers;
  /** The queues' Redis prefix, unique to this fixture. */
  prefix: string;
  /** Empties the queues, closes the connections and removes the database file. */
  close(): Promise<void>;
}

export async function dbAndQueues(): Promise<DbAndQueues> {
  await checkRedis(TEST_REDIS_URL);
  const database = await migratedSqlite();
  const { client } = database;
  const connection = createRedisConnection(TEST_REDIS_URL);
  const prefix = `test-${randomUUID()}`;
  const producers = createProducers(connection, prefix);
  return {
    client,
    connection,
    producers,
    prefix,
    async close() {
      for (const key of QUEUE_KEYS) await producers.queue(key).obliterate({ force: true });
      await producers.close();
      connection.disconnect();
      await database.close();
    },
  };
}
