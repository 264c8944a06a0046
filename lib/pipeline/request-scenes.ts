import { randomUUID } from "node:crypto";
import type { Generation, PrismaClient } from "../db";
import { forShop, type GenerationSource } from "../db";
import { generationPrompt, identifierToken, normalizeClassNoun, suggestClassNoun } from "../prompts";
import type { Producers } from "../queue/producer";
import { customScene, isPresetSceneId, sceneById, sceneSuits, type Scene } from "../scenes";
import { listBrandPresets } from "../brand-presets";
import { config } from "../config";
import { dailyImages, dailyLimitMessage } from "./daily-images";
import { generationRoot, requestFlow } from "./flow";
import { laneOf, normalizeModes, type GenerationMode } from "./generation-modes";
import { queuePriority } from "./priority";
import { log } from "../log";
import { traced } from "../telemetry";

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
  /** The bulk run (one "Generate scenes" for many products) the request belongs to; cancelled as a whole. */
  bulkRunId?: string;
}

export interface GenerationOptions {
  /** The merchant read the low-background-diversity warning and wants to go on. */
  allowLowDiversity?: boolean;
  /** Product media to train on; all of the product's images when absent. */
  mediaIds?: string[];
  /** "quality" samples with the paper's 50 DPM-Solver steps even for a simple subject (standard: 50, or ~20 for one). */
  quality?: "standard" | "quality";
  /** Which kinds of images to make (lib/pipeline/generation-modes.ts); ["tuned"] when absent. Exact only: the fast lane. */
  modes?: GenerationMode[];
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

/**
 * The scenes of the shop's default set that a bulk or automatic request of the product makes: library
 * scenes that do not suit it are left out (the studio's choices are the merchant's own).
 */
export function automaticScenes<S extends { id: string }>(
  scenes: readonly S[],
  product: { classNoun: string; productType?: string },
): S[] {
  return scenes.filter((scene) => sceneSuits(scene.id, product));
}

/** The class noun of a request that names none: suggested from the product type and title. */
export function requestClassNoun(request: {
  classNoun?: string;
  product: { title: string; productType?: string };
}): string {
  return normalizeClassNoun(
    request.classNoun ?? suggestClassNoun(request.product.productType ?? "", request.product.title),
  );
}

/**
 * The request's scenes with their prompts. Bulk and automatic requests (the shop's default set, for
 * products nobody looked at) leave out library scenes that do not suit the product; the studio's
 * choices are the merchant's own.
 */
function scenesFor(request: SceneRequest, classNoun: string, presets: readonly Scene[]): GenerationScene[] {
  const custom = request.customScenes ?? [];
  if (custom.length > MAX_CUSTOM_SCENES)
    throw new SceneRequestError(`At most ${MAX_CUSTOM_SCENES} custom scenes per request.`);
  let scenes: Scene[];
  try {
    scenes = [...new Set(request.sceneIds)]
      .map((id) => sceneById(id, presets))
      .concat(custom.map((text, i) => customScene(text, i)));
  } catch (error) {
    throw new SceneRequestError((error as Error).message);
  }
  if (scenes.length === 0) throw new SceneRequestError("Pick at least one scene.");
  if (request.source !== "interactive") {
    const suited = automaticScenes(scenes, { classNoun, productType: request.product.productType });
    if (suited.length === 0) {
      throw new SceneRequestError(
        `None of the default scenes suits “${classNoun}”: add scenes that do (e.g. a studio backdrop) in Settings, or start it from its page in SceneBooth.`,
      );
    }
    scenes = suited;
  }
  return scenes.map((scene) => ({ ...scene, prompt: generationPrompt(classNoun, scene.text) }));
}

/** What happened to one request of a batch: started, found already open, or refused with the merchant's reason. */
export type SceneRequestOutcome =
  { ok: true; generation: Generation; created: boolean } | { ok: false; error: SceneRequestError };

interface ValidRequest {
  index: number;
  request: SceneRequest;
  classNoun: string;
  scenes: GenerationScene[];
  modes: GenerationMode[];
}

function validate(
  request: SceneRequest,
  presets: readonly Scene[],
): { classNoun: string; scenes: GenerationScene[]; modes: GenerationMode[] } {
  if (
    !Number.isInteger(request.imagesPerScene) ||
    request.imagesPerScene < 1 ||
    request.imagesPerScene > MAX_IMAGES_PER_SCENE
  ) {
    throw new SceneRequestError(`Images per scene must be between 1 and ${MAX_IMAGES_PER_SCENE}.`);
  }
  let classNoun: string;
  try {
    classNoun = requestClassNoun(request);
  } catch (error) {
    throw new SceneRequestError((error as Error).message);
  }
  let modes: GenerationMode[];
  try {
    modes = normalizeModes(request.options?.modes);
  } catch (error) {
    throw new SceneRequestError((error as Error).message);
  }
  return { classNoun, scenes: scenesFor(request, classNoun, presets), modes };
}

/**
 * Starts (or finds) the scene request for one product: the subject and generation rows, then one
 * BullMQ flow. A product that already has an open request gets that one back, so double clicks,
 * duplicate webhooks and overlapping bulk actions never start a second flow.
 * @throws SceneRequestError when the request is the merchant's to change
 */
export async function requestScenes(
  client: PrismaClient,
  producers: Producers,
  request: SceneRequest,
  limits: RequestLimits = {},
): Promise<{ generation: Generation; created: boolean }> {
  const [outcome] = await requestScenesBatch(client, producers, [request], limits);
  if (!outcome!.ok) throw outcome!.error;
  return { generation: outcome!.generation, created: outcome!.created };
}

export interface RequestLimits {
  /** Images per shop per UTC day; SCENEBOOTH_DAILY_IMAGE_LIMIT by default. */
  dailyImageLimit?: number;
  now?: Date;
}

/**
 * requestScenes for many products of one shop at once (a bulk action, a backfill): the rows in one
 * transaction and the flows in one Redis round trip. Outcomes come back in the order of `requests`;
 * a product named twice gets one request. Redis is pinged first: when it does not answer, nothing is
 * written and the error is thrown. New requests that no longer fit in the shop's daily image limit are
 * refused with the merchant's message, in order (nothing of them is queued). If Redis refuses the
 * flows after that, the new requests are marked failed with the reason (none is left queued without a
 * flow) and the error is thrown.
 */
export async function requestScenesBatch(
  client: PrismaClient,
  producers: Producers,
  requests: SceneRequest[],
  limits: RequestLimits = {},
): Promise<SceneRequestOutcome[]> {
  if (requests.length === 0) return [];
  const shop = requests[0]!.shop;
  if (requests.some((r) => r.shop !== shop))
    throw new Error("requestScenesBatch: every request of a batch must be for the same shop");

  const outcomes: SceneRequestOutcome[] = new Array(requests.length);
  const valid: ValidRequest[] = [];
  const firstOfProduct = new Map<string, number>();
  // The shop's brand presets, read only when a request names one (its words are copied into the request).
  const presets = requests.some((r) => r.sceneIds.some(isPresetSceneId)) ? await listBrandPresets(client, shop) : [];
  requests.forEach((request, index) => {
    try {
      const checked = validate(request, presets);
      if (!firstOfProduct.has(request.product.id)) {
        firstOfProduct.set(request.product.id, index);
        valid.push({ index, request, ...checked });
      }
    } catch (error) {
      if (!(error instanceof SceneRequestError)) throw error;
      outcomes[index] = { ok: false, error };
    }
  });

  // Redis down: refused before anything is written (the caller answers "busy"), not left half-made.
  if (valid.length > 0) await producers.ping();
  const created = await forShop(client, shop).$transaction((tx) =>
    createRows(tx as unknown as ShopDb, shop, valid, outcomes, {
      dailyImageLimit: limits.dailyImageLimit ?? config().dailyImageLimit,
      now: limits.now ?? new Date(),
    }),
  );
  if (created.length > 0) {
    try {
      // The trace of each request starts here; every job of its flow is a child span (lib/telemetry.ts).
      await traced("queue scene requests", { shop, requestIds: created.map((g) => g.id).join(",") }, () =>
        producers.flows.addBulk(created.map((g) => requestFlow(g))),
      );
    } catch (error) {
      await markUnqueued(forShop(client, shop), created, error as Error);
      throw error;
    }
  }
  // Repeats of a product share its request.
  requests.forEach((request, index) => {
    if (outcomes[index]) return;
    const first = outcomes[firstOfProduct.get(request.product.id)!]!;
    outcomes[index] = first.ok ? { ok: true, generation: first.generation, created: false } : first;
  });
  return outcomes;
}

type ShopDb = ReturnType<typeof forShop>;

async function createRows(
  db: ShopDb,
  shop: string,
  valid: ValidRequest[],
  outcomes: SceneRequestOutcome[],
  limits: Required<RequestLimits>,
): Promise<Generation[]> {
  if (valid.length === 0) return [];
  // Requests of one shop take turns: the write locks the shop's row until this transaction ends, so
  // a concurrent request (another process, on PostgreSQL) reads the subject and open request this
  // one creates instead of creating its own. SQLite already runs one writer at a time.
  await db.shop.upsert({ where: { shop }, create: { shop }, update: { updatedAt: new Date() } });
  const productIds = valid.map((v) => v.request.product.id);
  const existing = await db.subject.findMany({ where: { productId: { in: productIds } } });
  const subjects = new Map(existing.map((s) => [s.productId, s]));
  const missing = valid.filter((v) => !subjects.has(v.request.product.id));
  if (missing.length > 0) {
    const made = await db.subject.createManyAndReturn({
      data: missing.map((v) => ({
        shop,
        productId: v.request.product.id,
        productTitle: v.request.product.title,
        classNoun: v.classNoun,
        identifierToken: identifierToken(v.classNoun),
      })),
    });
    for (const s of made) subjects.set(s.productId, s);
  }
  for (const v of valid) {
    const s = subjects.get(v.request.product.id)!;
    if (s.productTitle !== v.request.product.title || s.classNoun !== v.classNoun) {
      await db.subject.update({
        where: { id: s.id },
        data: {
          productTitle: v.request.product.title,
          classNoun: v.classNoun,
          identifierToken: identifierToken(v.classNoun),
        },
      });
    }
  }

  const subjectIds = [...subjects.values()].map((s) => s.id);
  const open = await db.generation.findMany({ where: { subjectId: { in: subjectIds }, status: { in: OPEN } } });
  const openBySubject = new Map(open.map((g) => [g.subjectId, g]));
  let openOfShop = await db.generation.count({ where: { status: { in: OPEN } } });
  // Read after the shop's row lock: a concurrent request's images are already counted.
  const today = await dailyImages(db, limits.dailyImageLimit, limits.now);
  const rows = [];
  const fresh: ValidRequest[] = [];
  for (const v of valid) {
    const subject = subjects.get(v.request.product.id)!;
    const running = openBySubject.get(subject.id);
    if (running) {
      outcomes[v.index] = { ok: true, generation: running, created: false };
      continue;
    }
    const images = v.scenes.length * v.modes.length * v.request.imagesPerScene;
    if (images > today.remaining) {
      outcomes[v.index] = { ok: false, error: new SceneRequestError(dailyLimitMessage(today, images)) };
      continue;
    }
    today.used += images;
    today.remaining -= images;
    const id = randomUUID();
    rows.push({
      id,
      jobId: generationRoot(id).jobId,
      shop,
      subjectId: subject.id,
      scenes: JSON.stringify(v.scenes),
      imagesPerScene: v.request.imagesPerScene,
      source: v.request.source,
      priority: queuePriority(v.request.source, openOfShop++),
      options: JSON.stringify({ ...v.request.options, modes: v.modes }),
      lane: laneOf(v.modes),
      bulkRunId: v.request.bulkRunId ?? null,
    });
    fresh.push(v);
  }
  if (rows.length === 0) return [];
  const generations = await db.generation.createManyAndReturn({ data: rows });
  const byId = new Map(generations.map((g) => [g.id, g]));
  await db.subject.updateMany({
    where: { id: { in: rows.map((r) => r.subjectId) } },
    data: { state: "checking", lastError: null },
  });
  rows.forEach((row, i) => (outcomes[fresh[i]!.index] = { ok: true, generation: byId.get(row.id)!, created: true }));
  return rows.map((row) => byId.get(row.id)!);
}

async function markUnqueued(db: ShopDb, generations: Generation[], error: Error): Promise<void> {
  const message = "The request could not be queued (the job queue did not answer). Please try again.";
  await db.generation.updateMany({
    where: { id: { in: generations.map((g) => g.id) } },
    data: { status: "failed", error: message, finishedAt: new Date() },
  });
  await db.subject.updateMany({
    where: { id: { in: generations.map((g) => g.subjectId) } },
    data: { state: "failed", lastError: message },
  });
  log.error(`requestScenesBatch: ${generations.length} request(s) not queued: ${error.message}`);
}
