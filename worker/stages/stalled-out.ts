// Jobs that BullMQ failed without running them, because their worker died at every run (STALLED_OUT_REASON):
// what their last failed attempt would have done, done by the worker that saw the failure.
import type { Job } from "bullmq";
import type { PrismaClient } from "../../lib/db";
import { PIPELINE_JOBS } from "../../lib/pipeline/stages";
import type { CandidateJob, GenerationJob } from "../../lib/queue/jobs";
import { endStalledOutImage } from "./candidate-runner";
import { endStalledOutRequest } from "./runner";

export function stalledOutHandler(client: PrismaClient) {
  return async (job: Job): Promise<void> => {
    const row = PIPELINE_JOBS.find((j) => j.name === job.name);
    if (!row) return;
    if (row.payload === "generation") await endStalledOutRequest(client, job as Job<GenerationJob>);
    else if (row.payload === "candidate")
      await endStalledOutImage(client, row.label.toLowerCase(), job as Job<CandidateJob>);
    // The others end with their failed job: the studio reads a failed photo check as "checked without the
    // model"; a product event or an uninstall cleanup stays in the failed set for an operator.
  };
}
