import type { PrismaClient } from "../../lib/db";
import { createProducers, type Producers } from "../../lib/queue/producer";
import { createRedisConnection } from "../../lib/queue/connection";
import type { TestStack } from "../harness/stack";

/** Producers on the test stack's private Redis prefix. */
export function stackProducers(stack: TestStack): Producers {
  return createProducers(createRedisConnection(stack.env.REDIS_URL!), stack.env.QUEUE_PREFIX);
}

/** Polls until `check` returns a value (not undefined), or fails with the last state seen. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function waitForGeneration(db: PrismaClient, id: string, statuses: string[], timeoutMs = 180_000) {
  return waitFor(
    `generation ${id} to reach ${statuses.join("/")}`,
    async () => {
      const generation = await db.generation.findUnique({ where: { id } });
      return generation && statuses.includes(generation.status) ? generation : undefined;
    },
    timeoutMs,
  );
}
