// A shop's BullMQ jobs across the app's queues, found by the `shop` every job payload carries.
import type { Job, JobType, Queue } from "bullmq";
import { QUEUE_NAMES, type QueueKey } from "../queue/jobs";
import type { Producers } from "../queue/producer";

/** Every state a job can wait or rest in; "active" jobs are held by a worker and stop through cancelRequested. */
const NOT_RUNNING: JobType[] = [
  "waiting",
  "prioritized",
  "delayed",
  "waiting-children",
  "paused",
  "completed",
  "failed",
];
const PAGE = 500;

function queues(producers: Producers): Queue[] {
  return (Object.keys(QUEUE_NAMES) as QueueKey[]).map((key) => producers.queue(key));
}

async function* jobsOf(queue: Queue, shop: string, states: JobType[]): AsyncGenerator<Job> {
  for (let start = 0; ; start += PAGE) {
    const page = await queue.getJobs(states, start, start + PAGE - 1, true);
    for (const job of page) if (job && (job.data as { shop?: unknown } | undefined)?.shop === shop) yield job as Job;
    if (page.length < PAGE) return;
  }
}

/** How many of the shop's jobs each queue holds, by state group. */
export async function countShopJobs(
  producers: Producers,
  shop: string,
): Promise<{ waiting: number; active: number; finished: number }> {
  const counts = { waiting: 0, active: 0, finished: 0 };
  for (const queue of queues(producers)) {
    for await (const _ of jobsOf(queue, shop, ["waiting", "prioritized", "delayed", "waiting-children", "paused"]))
      counts.waiting += 1;
    for await (const _ of jobsOf(queue, shop, ["active"])) counts.active += 1;
    for await (const _ of jobsOf(queue, shop, ["completed", "failed"])) counts.finished += 1;
  }
  return counts;
}

/**
 * Removes the shop's jobs that no worker holds (waiting, delayed, waiting for children, finished).
 * Flow parents go first, taking their unstarted children with them. A job a worker is running
 * cannot be removed (nor a parent whose subtree holds one): those are counted in `kept`; the
 * running stage stops at its next cancellation check and fails its parents.
 */
export async function removeShopJobs(
  producers: Producers,
  shop: string,
  { exceptJobId }: { exceptJobId?: string } = {},
): Promise<{ removed: number; kept: number }> {
  let removed = 0;
  let kept = 0;
  for (const queue of queues(producers)) {
    // Collect first: removing while paging would shift the pages.
    const found: Job[] = [];
    for await (const job of jobsOf(queue, shop, NOT_RUNNING)) if (job.id !== exceptJobId) found.push(job);
    found.sort((a, b) => Number(Boolean(a.parentKey)) - Number(Boolean(b.parentKey)));
    for (const job of found) {
      try {
        await job.remove({ removeChildren: true });
        removed += 1;
      } catch (error) {
        // Already removed with its parent: nothing to do.
        if (!(await queue.getJob(job.id!))) continue;
        if (!/locked|active/i.test((error as Error).message)) throw error;
        kept += 1;
      }
    }
    // The job running this deletion (the uninstall cleanup) is not counted.
    for await (const job of jobsOf(queue, shop, ["active"])) if (job.id !== exceptJobId) kept += 1;
  }
  return { removed, kept };
}
