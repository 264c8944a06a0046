// The worker's part of the studio's photo check, run in the test process: the studio tests run no
// worker (a request they start must stay queued), so the photo-check jobs the studio queues for busy
// backgrounds are taken here, one by one, with the worker's own processor (the tiny profile's segmenter).
import { randomUUID } from "node:crypto";
import { Worker } from "bullmq";
import { createRedisConnection } from "../../lib/queue/connection";
import { QUEUE_NAMES } from "../../lib/queue/jobs";
import { photoCheckProcessor } from "../../worker/stages/photo-check";
import type { TestStack } from "../harness/stack";

/** Answers the photo-check jobs waiting now; throws if another ingest job is first in line. Returns how many. */
export async function answerPhotoChecks(stack: TestStack): Promise<number> {
  // The photos are the local store's: downloads from it are allowed where it is named.
  process.env.SHOPIFY_LOCAL_STORE_URL ??= stack.env.SHOPIFY_LOCAL_STORE_URL;
  const connection = createRedisConnection(stack.env.REDIS_URL!);
  const worker = new Worker(QUEUE_NAMES.ingest, null, { connection, prefix: stack.env.QUEUE_PREFIX });
  const token = randomUUID();
  const check = photoCheckProcessor();
  let answered = 0;
  try {
    for (;;) {
      const job = await worker.getNextJob(token, { block: false });
      if (!job) return answered;
      if (job.name !== "photo-check") throw new Error(`an ${job.name} job is waiting on the ingest queue`);
      await job.moveToCompleted(await check(job), token, false);
      answered += 1;
    }
  } finally {
    await worker.close();
    connection.disconnect();
  }
}
