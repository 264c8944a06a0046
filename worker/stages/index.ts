import { config } from "../../lib/config";
import { db } from "../../lib/db";
import { producers } from "../../lib/queue/producer";
import { blobStore } from "../../lib/storage";
import { sharedScorers, sharedUpscaler } from "../models";
import type { StageProcessors } from "../runtime";
import { adminClientFor } from "../shopify-session";
import { candidateProcessor } from "./candidate-runner";
import { datasetCheckStage } from "./dataset-check";
import { generateStage } from "./generate";
import { ingestStage } from "./ingest";
import { prepareStage } from "./prepare";
import { publishProcessor } from "./publish";
import { stageProcessor, type StageDefinition } from "./runner";
import { scoreStage } from "./score";
import { productEventProcessor, shopCleanupProcessor } from "./shop-events";
import { tuneStage } from "./tune";
import { upscaleProcessor } from "./upscale";

/** The pipeline's stage processors by queue; each stage lives in its own file in this folder. */
export function stageProcessors(): StageProcessors {
  const cfg = config();
  const client = db();
  const deps = { client, store: blobStore() };
  const run = <Output>(stage: StageDefinition<Output>) => stageProcessor(stage, deps);
  return {
    ingest: { ingest: run(ingestStage(adminClientFor, client)), prepare: run(prepareStage), "dataset-check": run(datasetCheckStage) },
    gpu: { tune: run(tuneStage(cfg)), generate: run(generateStage(cfg)) },
    post: {
      score: run(scoreStage(client, producers(), sharedScorers)),
      upscale: candidateProcessor(client, "upscaling the image", upscaleProcessor(client, sharedUpscaler, adminClientFor)),
    },
    publish: {
      publish: candidateProcessor(client, "publishing the image", publishProcessor(client, adminClientFor)),
      "product-event": productEventProcessor(client, producers(), adminClientFor),
      "shop-cleanup": shopCleanupProcessor(client, producers(), deps.store),
    },
  };
}
