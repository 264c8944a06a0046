// Where a request stands in line for a GPU: how many jobs the GPU workers take before its next GPU
// stage. BullMQ keeps prioritized jobs outside the wait list (DESIGN.md §7), so the count is the
// wait list plus the prioritized jobs with a lower score (priority × 2³² + insertion order), read in
// one script without listing either. Only a count comes back: nothing of another shop's jobs.
import type { Producers } from "../queue/producer";
import { PIPELINE_STAGES, stageJobId } from "./stages";

/** KEYS: wait, prioritized, delayed. ARGV: the queue's job key prefix, then the job ids to look for. */
const JOBS_AHEAD = `
local waiting = redis.call('LLEN', KEYS[1])
for i = 2, #ARGV do
  local id = ARGV[i]
  local rank = redis.call('ZRANK', KEYS[2], id)
  if rank then return waiting + rank end
  if redis.call('ZSCORE', KEYS[3], id) then
    -- Held back (its shop's GPU slots are busy, or a retry's backoff): it comes back with its
    -- priority, behind every job of that priority already in line.
    local priority = tonumber(redis.call('HGET', ARGV[1] .. id, 'priority') or '0') or 0
    if priority == 0 then return waiting end
    return waiting + redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. string.format('%.0f', (priority + 1) * 4294967296))
  end
  local position = redis.call('LPOS', KEYS[1], id)
  -- Workers take the wait list from its right end.
  if position then return waiting - 1 - position end
end
return -1`;

const GPU_STAGES = PIPELINE_STAGES.filter((stage) => stage.queue === "gpu");

/**
 * Jobs ahead of the request's GPU stage that is waiting to run, or null when none is waiting (the
 * request is before its GPU stages, on a GPU, or past them).
 */
export async function gpuJobsAhead(producers: Producers, generationId: string): Promise<number | null> {
  const queue = producers.queue("gpu");
  const ahead = (await producers.connection.eval(
    JOBS_AHEAD,
    3,
    queue.keys.wait!,
    queue.keys.prioritized!,
    queue.keys.delayed!,
    queue.toKey(""),
    ...GPU_STAGES.map((stage) => stageJobId(generationId, stage.name)),
  )) as number;
  return ahead < 0 ? null : ahead;
}

/** "Waiting for a GPU — 12 ahead of you". */
export function gpuWaitLabel(ahead: number): string {
  return ahead === 0 ? "Waiting for a GPU — you're next" : `Waiting for a GPU — ${ahead} ahead of you`;
}
