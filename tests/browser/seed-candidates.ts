// Test data for the parts of the studio that need finished requests, written to the database and
// blob store exactly as the worker's stages leave them (a subject in review, a succeeded request,
// scored candidates with their images): for tests that run without the GPU pipeline.
import sharp from "sharp";
import { generationPrompt, identifierToken } from "../../lib/prompts";
import { sceneById } from "../../lib/scenes";
import { blobKey, LocalBlobStore } from "../../lib/storage";
import type { TestStack } from "../harness/stack";

export interface SeededCandidate {
  sceneId: string;
  scores: { dino: number; clipI: number; clipT: number; itm: number; itc: number };
  selected: boolean;
  /** tuned (the default) or exact. */
  mode?: string;
}

/** Random-noise PNGs, as the tiny profile makes. */
async function noisePng(seed: number): Promise<Buffer> {
  const size = 384;
  const data = Buffer.alloc(size * size * 3);
  let x = seed * 2654435761;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return sharp(data, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toBuffer();
}

export async function seedReviewedProduct(
  stack: TestStack,
  shop: string,
  product: { id: string; title: string },
  classNoun: string,
  candidates: SeededCandidate[],
  /** Training photos prepared as the ingest stage leaves them (768 px crops), by their source media ids. */
  trainingMediaIds: string[] = [],
): Promise<{ subjectId: string; generationId: string; candidateIds: string[] }> {
  const store = new LocalBlobStore({
    rootDir: stack.env.STORAGE_DIR!,
    publicBaseUrl: stack.appUrl,
    signingKey: `blob-url:${stack.env.SHOPIFY_API_SECRET}`,
  });
  const subject = await stack.db.subject.create({
    data: {
      shop,
      productId: product.id,
      productTitle: product.title,
      classNoun,
      identifierToken: identifierToken(classNoun),
      state: "review",
    },
  });
  for (const [i, sourceMediaId] of trainingMediaIds.entries()) {
    const prepared = blobKey(shop, "subjects", subject.id, "training", `prepared-${i}.png`);
    await store.put(prepared, await noisePng(100 + i), { contentType: "image/png" });
    await stack.db.trainingImage.create({
      data: {
        shop,
        subjectId: subject.id,
        sourceMediaId,
        originalBlobKey: prepared,
        preparedBlobKey: prepared,
        rank: trainingMediaIds.length - i,
      },
    });
  }
  const sceneIds = [...new Set(candidates.map((c) => c.sceneId))];
  const generation = await stack.db.generation.create({
    data: {
      shop,
      subjectId: subject.id,
      scenes: JSON.stringify(
        sceneIds.map((id) => ({ ...sceneById(id), prompt: generationPrompt(classNoun, sceneById(id).text) })),
      ),
      imagesPerScene: 1,
      status: "succeeded",
      progress: 1,
      stage: "score",
      finishedAt: new Date(),
    },
  });
  const candidateIds: string[] = [];
  for (const [i, c] of candidates.entries()) {
    const key = blobKey(shop, "subjects", subject.id, "candidates", `seed-${i}.png`);
    await store.put(key, await noisePng(i + 1), { contentType: "image/png" });
    const scene = sceneById(c.sceneId);
    const row = await stack.db.candidate.create({
      data: {
        shop,
        generationId: generation.id,
        subjectId: subject.id,
        sceneId: scene.id,
        sceneKind: scene.kind,
        prompt: generationPrompt(classNoun, scene.text),
        seed: i,
        imageBlobKey: key,
        thumbBlobKey: key,
        ...c.scores,
        selected: c.selected,
        ...(c.mode ? { mode: c.mode } : {}),
      },
    });
    candidateIds.push(row.id);
  }
  return { subjectId: subject.id, generationId: generation.id, candidateIds };
}
