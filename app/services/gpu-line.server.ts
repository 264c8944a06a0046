// The studio's "Waiting for a GPU — N ahead of you": the request's place in the GPU queue
// (lib/pipeline/gpu-queue.ts), asked only while it is open. Without Redis the page still shows the
// stage: the count is left out rather than failing the page or its progress poll.
import { gpuJobsAhead } from "../../lib/pipeline/gpu-queue";
import { producers } from "../../lib/queue/producer";
import { isRedisUnavailable } from "./api.server";

export async function gpuJobsAheadOf(generation: { id: string; status: string }): Promise<number | null> {
  if (generation.status !== "queued" && generation.status !== "running") return null;
  try {
    return await gpuJobsAhead(producers(), generation.id);
  } catch (error) {
    if (isRedisUnavailable(error)) return null;
    throw error;
  }
}
