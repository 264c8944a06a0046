import { describe, expect, it } from "vitest";
import { assertJobData, InvalidJobError } from "../queue/jobs";
import { overallProgress, PIPELINE_JOBS, PIPELINE_STAGES, QUEUE_NAMES, requestStages, stageLabel } from "./stages";

describe("the pipeline table", () => {
  it("names every job once, on a known queue", () => {
    const names = PIPELINE_JOBS.map((job) => job.name);
    expect(new Set(names).size).toBe(names.length);
    for (const job of PIPELINE_JOBS) expect(Object.keys(QUEUE_NAMES)).toContain(job.queue);
  });

  it("the request's stages are its generation jobs, in order, with weights adding up to the whole bar", () => {
    expect(PIPELINE_STAGES.map((s) => s.name)).toEqual([
      "ingest",
      "prepare",
      "dataset-check",
      "tune",
      "generate",
      "score",
    ]);
    expect(PIPELINE_STAGES.reduce((sum, s) => sum + s.weight, 0)).toBeCloseTo(1, 10);
    expect(overallProgress("score", 1)).toBeCloseTo(1, 10);
    expect(overallProgress("tune", 0)).toBeCloseTo(0.1, 10);
    expect(stageLabel("tune")).toBe("Learning your product");
    // The fast lane has no tune stage: its stages share the whole bar.
    expect(requestStages("fast").map((s) => s.name)).not.toContain("tune");
    expect(overallProgress("generate", 0, "fast")).toBeCloseTo(0.1 / 0.45, 10);
    expect(overallProgress("score", 1, "fast")).toBeCloseTo(1, 10);
    expect(stageLabel("upscale")).toBe("Waiting");
    expect(stageLabel(null)).toBe("Waiting");
  });

  it("a payload is checked against its job's row: the queue, the shop and the id its payload kind needs", () => {
    const shop = "shop-a.myshopify.com";
    expect(() => assertJobData("gpu", "tune", { shop, generationId: "g1" })).not.toThrow();
    expect(() => assertJobData("post", "upscale", { shop, candidateId: "c1" })).not.toThrow();
    expect(() => assertJobData("gpu", "score", { shop, generationId: "g1" })).toThrow(
      /queue gpu has no job named "score"/,
    );
    expect(() => assertJobData("gpu", "tune", { shop: "evil.com", generationId: "g1" })).toThrow(/no valid shop/);
    expect(() => assertJobData("post", "upscale", { shop, generationId: "g1" })).toThrow(InvalidJobError);
    expect(() => assertJobData("gpu", "tune", { shop, candidateId: "c1" })).toThrow(/has no generationId/);
  });
});
