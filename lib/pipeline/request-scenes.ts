import { randomUUID } from "node:crypto";
import type { Generation, PrismaClient } from "../db";
import { forShop, type GenerationSource } from "../db";
import { generationPrompt, identifierToken, normalizeClassNoun, suggestClassNoun } from "../prompts";
import type { Producers } from "../queue/producer";
import { customScene, sceneById, type Scene } from "../scenes";
import { generationFlow, generationRoot } from "./flow";
import { queuePriority } from "./priority";

export const MAX_IMAGES_PER_SCENE = 8;
export const MAX_CUSTOM_SCENES = 5;

/** A request the merchant must change; the message is shown as is. */
export class SceneRequestError extends Error {
  override name = "SceneRequestError";
}

export interface SceneRequest {
  shop: string;
  product: { id: string; title: string; productType?: string };
  /** Defaults to a noun suggested from the product type and title. */
  classNoun?: string;
  sceneIds: string[];
  customScenes?: string[];
  imagesPerScene: number;
  source: GenerationSource;
  options?: GenerationOptions;
}

export interface GenerationOptions {
  /** The merchant read the low-background-diversity warning and wants to go on. */
  allowLowDiversity?: boolean;
  /** Product media to train on; all of the product's images when absent. */
  mediaIds?: string[];
  /** "quality" samples with 50 DPM-Solver steps instead of 25. */
  quality?: "standard" | "quality";
}

export interface GenerationScene extends Scene {
  prompt: string;
}

export function parseGenerationScenes(json: string): GenerationScene[] {
  return JSON.parse(json) as GenerationScene[];
}

export function parseGenerationOptions(json: string): GenerationOptions {
  return JSON.parse(json) as GenerationOptions;
}

const OPEN = ["queued", "running"];

function scenesFor(request: SceneRequest, classNoun: string): GenerationScene[] {
  const custom = request.customScenes ?? [];
  if (custom.length > MAX_CUSTOM_SCENES) throw new SceneRequestError(`At most ${MAX_CUSTOM_SCENES} custom scenes per request.`);
  let scenes: Scene[];
  try {
    scenes = [...new Set(request.sceneIds)].map(sceneById).concat(custom.map((text, i) => customScene(text, i)));
  } catch (error) {
    throw new SceneRequestError((error as Error).message);
  }
  if (scenes.length === 0) throw new SceneRequestError("Pick at least one scene.");
  return scenes.map((scene) => ({ ...scene, prompt: generationPrompt(classNoun, scene.text) }));
}

/**
 * Starts (or finds) the scene request for one product: the subject and generation rows, then one
 * BullMQ flow. A product that already has an open request gets that one back, so double clicks,
 * duplicate webhooks and overlapping bulk actions never start a second flow.
 */
export async function requestScenes(
  client: PrismaClient,
  producers: Producers,
  request: SceneRequest,
): Promise<{ generation: Generation; created: boolean }> {
  if (!Number.isInteger(request.imagesPerScene) || request.imagesPerScene < 1 || request.imagesPerScene > MAX_IMAGES_PER_SCENE) {
    throw new SceneRequestError(`Images per scene must be between 1 and ${MAX_IMAGES_PER_SCENE}.`);
  }
  let classNoun: string;
  try {
    classNoun = normalizeClassNoun(request.classNoun ?? suggestClassNoun(request.product.productType ?? "", request.product.title));
  } catch (error) {
    throw new SceneRequestError((error as Error).message);
  }
  const scenes = scenesFor(request, classNoun);
  const db = forShop(client, request.shop);

  const subject = await db.subject.upsert({
    where: { shop_productId: { shop: request.shop, productId: request.product.id } },
    create: {
      shop: request.shop,
      productId: request.product.id,
      productTitle: request.product.title,
      classNoun,
      identifierToken: identifierToken(classNoun),
    },
    update: { productTitle: request.product.title, classNoun, identifierToken: identifierToken(classNoun) },
  });
  const open = await db.generation.findFirst({ where: { subjectId: subject.id, status: { in: OPEN } } });
  if (open) return { generation: open, created: false };

  const openOfShop = await db.generation.count({ where: { status: { in: OPEN } } });
  const priority = queuePriority(request.source, openOfShop);
  const id = randomUUID();
  const generation = await db.generation.create({
    data: {
      id,
      jobId: generationRoot(id).jobId,
      shop: request.shop,
      subjectId: subject.id,
      scenes: JSON.stringify(scenes),
      imagesPerScene: request.imagesPerScene,
      source: request.source,
      priority,
      options: JSON.stringify(request.options ?? {}),
    },
  });
  await db.subject.update({ where: { id: subject.id }, data: { state: "checking", lastError: null } });
  await producers.flows.add(generationFlow({ shop: request.shop, generationId: generation.id }, priority));
  return { generation, created: true };
}
