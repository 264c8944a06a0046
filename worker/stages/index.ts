import { config } from "../../lib/config";
import { db } from "../../lib/db";
import { pipelineJob } from "../../lib/pipeline/stages";
import { producers } from "../../lib/queue/producer";
import type { PipelineProcessors } from "../../lib/queue/queues";
import { blobStore } from "../../lib/storage";
import { sharedScorers, sharedUpscaler } from "../models";
import { adminClientFor } from "../shopify-session";
import { candidateProcessor } from "./candidate-runner";
import { datasetCheckStage } from "./dataset-check";
import { generateStage } from "./generate";
import { photoCheckProcessor } from "./photo-check";
import { ingestStage } from "./ingest";
import { prepareStage } from "./prepare";
import { publishProcessor } from "./publish";
import { stageProcessor, type StageDefinition } from "./runner";
import { scoreStage } from "./score";
export { stalledOutHandler } from "./stalled-out";
import { productEventProcessor, shopCleanupProcessor } from "./shop-events";
import { tuneStage } from "./tune";
import { upscaleProcessor } from "./upscale";
import { withWorkFolder } from "./work-folder";
import { workFoldersAt } from "../work-folders";

/**
 * A processor for every job of the pipeline table (lib/pipeline/stages.ts), by queue; each stage lives
 * in its own file in this folder. A job missing here, or here but not in the table, is a type error.
 */
export function stageProcessors(): PipelineProcessors {
  const cfg = config();
  const client = db();
  const deps = { client, store: blobStore() };
  const run = <Output>(stage: StageDefinition<Output>) => stageProcessor(stage, deps);
  return {
    ingest: {
      ingest: run(ingestStage(adminClientFor, client)),
      prepare: run(prepareStage),
      "dataset-check": run(datasetCheckStage),
      "photo-check": photoCheckProcessor(),
    },
    gpu: {
      tune: run(withWorkFolder(tuneStage(cfg), workFoldersAt(cfg.workDir), { lastToUseIt: false })),
      generate: run(withWorkFolder(generateStage(cfg), workFoldersAt(cfg.workDir), { lastToUseIt: true })),
    },
    post: {
      score: run(scoreStage(client, producers(), sharedScorers)),
      upscale: candidateProcessor(
        client,
        pipelineJob("upscale").label.toLowerCase(),
        upscaleProcessor(client, sharedUpscaler, adminClientFor),
      ),
    },
    publish: {
      publish: candidateProcessor(
        client,
        pipelineJob("publish").label.toLowerCase(),
        publishProcessor(client, adminClientFor),
      ),
      "product-event": productEventProcessor(client, producers(), adminClientFor),
      "shop-cleanup": shopCleanupProcessor(client, producers(), deps.store),
    },
  };
}
