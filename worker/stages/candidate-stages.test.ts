// The upscale and publish stages of an image the merchant rejected (or whose product was deleted)
// stop without side effects: no Admin API call (no upload, no productUpdate, no charge), no model run.
import { UnrecoverableError, type Job } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "../../lib/db";
import { migratedTestDatabase } from "../../tests/harness/database";
import { seedImage, seedRequest } from "../../tests/harness/seed-rows";
import type { CandidateJob } from "../../lib/queue/jobs";
import { candidateProcessor } from "./candidate-runner";
import { publishProcessor } from "./publish";
import { upscaleProcessor } from "./upscale";

const SHOP = "stages-shop.myshopify.com";
let client: PrismaClient;
let drop: () => Promise<void>;
const calls: string[] = [];

const adminFor = async () => {
  calls.push("admin");
  throw new Error("the Admin API must not be called for a rejected image");
};
const upscaler = async () => {
  calls.push("upscaler");
  throw new Error("the model must not run for a rejected image");
};
const job = (candidateId: string, attemptsMade = 0) =>
  ({ data: { shop: SHOP, candidateId }, attemptsMade, opts: { attempts: 3 } }) as unknown as Job<CandidateJob>;

async function candidate(state: string): Promise<string> {
  const request = await seedRequest(client, SHOP);
  return (await seedImage(client, request, state, { upscaledBlobKey: `shops/${SHOP}/c-2048.jpg` })).id;
}

beforeAll(async () => {
  const database = await migratedTestDatabase("sqlite");
  drop = database.drop;
  client = createPrismaClient(database.url);
});
afterAll(async () => {
  await client?.$disconnect();
  await drop?.();
});

describe("upscale and publish of an image that is no longer approved", () => {
  it("stop at once: no Admin API call, no model, the image stays rejected", async () => {
    const id = await candidate("rejected");
    const upscaled = await candidateProcessor(
      client,
      "upscaling the image",
      upscaleProcessor(client, upscaler, adminFor),
    )(job(id));
    expect(upscaled.stopped).toBe("the image is rejected");
    const published = await candidateProcessor(
      client,
      "publishing the image",
      publishProcessor(client, adminFor),
    )(job(id));
    expect(published.stopped).toBe("the image is rejected");
    expect(calls).toEqual([]);
    expect((await client.candidate.findUniqueOrThrow({ where: { id } })).state).toBe("rejected");
  });

  it("fail for good, touching nothing, when the image is not the shop's (deleted with its product, or another shop's id)", async () => {
    const id = await candidate("approved");
    await client.candidate.delete({ where: { id } });
    await expect(upscaleProcessor(client, upscaler, adminFor)(job(id))).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(publishProcessor(client, adminFor)(job(id))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(calls).toEqual([]);
  });

  it("a last attempt that fails does not turn a rejected image into a failed one", async () => {
    const id = await candidate("upscaling");
    const failing = candidateProcessor(client, "publishing the image", async (j: Job<CandidateJob>) => {
      // The merchant rejects while the attempt runs; then the attempt fails.
      await client.candidate.update({ where: { id: j.data.candidateId }, data: { state: "rejected" } });
      throw new Error("connection reset");
    });
    await expect(failing(job(id, 2))).rejects.toThrow("connection reset");
    expect((await client.candidate.findUniqueOrThrow({ where: { id } })).state).toBe("rejected");
  });
});
