// The product studio: one product's photos, dataset check, scene request, progress and candidates.
import { config } from "../../lib/config";
import { db, isDatabaseUnavailable, type Candidate, type Generation, type TrainingImage } from "../../lib/db";
import { cancelGeneration, NotFoundError } from "../../lib/pipeline/cancel";
import {
  MAX_CUSTOM_SCENES,
  MAX_IMAGES_PER_SCENE,
  parseGenerationOptions,
  parseGenerationScenes,
  requestScenes,
  SceneRequestError,
} from "../../lib/pipeline/request-scenes";
import { APPROVABLE_STATES, ReviewError, reviewCandidate, type CandidateReview } from "../../lib/pipeline/review";
import { featurePublished, PublishedMediaError, removePublished, republish } from "../../lib/pipeline/published";
import { stageLabel } from "../../lib/pipeline/stages";
import { suggestClassNoun } from "../../lib/prompts";
import { producers } from "../../lib/queue/producer";
import { listBrandPresets, type BrandPreset } from "../../lib/brand-presets";
import { isBuiltInSceneId, SCENES, sceneSuits } from "../../lib/scenes";
import { readShopSettings } from "../../lib/shop-settings";
import {
  bestMatchFirst,
  calibrate,
  overallLevel,
  shopThresholds,
  verdict,
  type Calibration,
  type Thresholds,
  type Verdict,
  type VerdictLevel,
} from "../../lib/review-verdict";
import { AdminApiError, ProductStudioDocument, type ProductStudioQuery } from "../../lib/shopify-admin";
import { RECONNECT_MESSAGE } from "../../lib/shopify-admin/offline-tokens";
import { blobStore, type BlobKey } from "../../lib/storage";
import type { DatasetReport } from "../../lib/dataset/dataset-check";
import { numericId, productGid } from "../components/ids";
import type { PhotoCheckView } from "../components/photo-check-types";
import type { PublishedItem } from "../components/published-history";
import { previewPhotoCheck, reportView } from "./photo-check.server";
import { dailyImagesView, shopDailyImages, type DailyImagesView } from "./daily-images.server";
import { resumeRequests } from "./resume.server";
import { DATABASE_UNAVAILABLE_MESSAGE, notFound, type ShopContext } from "./shop-context.server";
import { spendingRefusal } from "./spend-guard.server";
import { isRedisUnavailable, queueUnavailable } from "./api.server";
import { PRICES_USD } from "../../lib/usage";
import { gpuWaitLabel } from "../../lib/pipeline/gpu-queue";
import { gpuJobsAheadOf } from "./gpu-line.server";
import { studioPrices, type StudioPrices } from "./prices.server";
import { usd } from "../../lib/billing/plan";
import {
  laneOf,
  MODE_CHOICES,
  automaticModes,
  modeChoiceOf,
  upfrontPriceUsd,
  type ModeChoice,
} from "../../lib/pipeline/generation-modes";

/** The price of each mode choice, as the mode picker shows it (README "Billing"). */
function modePrices(): Record<ModeChoice, string> {
  const publish = `${usd(PRICES_USD.images_published)} per published image`;
  const text = (choice: ModeChoice) => {
    const upfront = upfrontPriceUsd(laneOf(MODE_CHOICES[choice]));
    return upfront > 0
      ? `${usd(upfront)} to learn the product (once per set of photos), then ${publish}.`
      : `No tuning charge: ${publish}.`;
  };
  return { tuned: text("tuned"), exact: text("exact"), both: text("both") };
}

const MEDIA_PAGE = 50;
const PHOTO_THUMB = 240;

export interface StudioPhoto {
  mediaId: string;
  label: string;
  thumbUrl: string;
  url: string;
  width: number | null;
  height: number | null;
  alt: string;
}

export interface GenerationView {
  id: string;
  status: string;
  progress: number;
  stage: string | null;
  stageLabel: string;
  etaAt: string | null;
  error: string | null;
  cancelRequested: boolean;
  /** Jobs ahead of it in line for a GPU while it waits for one (a count only: no other shop's details). */
  gpuJobsAhead: number | null;
  /** Stopped because the store had to be reconnected: "Resume" picks it up where it stopped. */
  resumable: boolean;
  sceneCount: number;
  imagesPerScene: number;
  createdAt: string;
}

export interface CandidateView {
  id: string;
  generationId: string;
  /** tuned | exact (lib/pipeline/generation-modes.ts). */
  mode: string;
  sceneKind: string;
  sceneText: string;
  prompt: string;
  imageUrl: string;
  scores: { dino: number | null; clipI: number | null; clipT: number | null; itm: number | null; itc: number | null };
  selected: boolean;
  state: string;
  publishedMediaId: string | null;
  publishedUrl: string | null;
  ratingSubject: number | null;
  ratingScene: number | null;
  error: string | null;
  /** The generated image at full size (768 px), for the compare view. */
  fullUrl: string;
  createdAt: string;
  /** "Looks like your product", then "Fits the scene" (lib/review-verdict.ts). */
  verdicts: Verdict[];
  /** Good when both verdicts are, poor when either is, null until scored. */
  overall: VerdictLevel | null;
}

/** A photo the compare view sets a generated image against. */
export interface CompareSource {
  id: string;
  label: string;
  url: string;
}

export interface ReviewData {
  /**
   * The product's training crops (768 px squares, the dataset check's best first), else its photos:
   * candidates' embeddings are not stored, so no photo is known to be the closest to one image.
   */
  sources: CompareSource[];
  /** Where the verdicts' thresholds come from: the paper's values, or the shop's own ratings. */
  calibration: Calibration["aspects"];
}

export interface StudioData {
  product: { gid: string; id: string; title: string; productType: string; adminUrl: string };
  subject: { state: string; classNoun: string; identifierToken: string; lastError: string | null } | null;
  suggestedClassNoun: string;
  /** The product's images, less those SceneBooth published (never trained on). */
  photos: StudioPhoto[];
  publishedCount: number;
  /** The product has media, but none is an image (videos, 3D models): nothing to learn from. */
  onlyOtherMedia: boolean;
  /** The worker's check of the last request, when it has run. */
  lastCheck: PhotoCheckView | null;
  generation: GenerationView | null;
  /** What to preselect: the last request's choices, else the shop's defaults. */
  draft: {
    sceneIds: string[];
    customScenes: string[];
    imagesPerScene: number;
    mediaIds: string[] | null;
    allowLowDiversity: boolean;
    modes: ModeChoice;
  };
  /** What each kind of request costs, in words (the mode picker). */
  modePrices: Record<ModeChoice, string>;
  candidates: CandidateView[];
  /** The shop's brand presets, offered with the library's scenes. */
  presets: BrandPreset[];
  review: ReviewData;
  /** What SceneBooth published on this product and what it removed, newest first. */
  published: PublishedItem[];
  itmThreshold: number;
  limits: { customScenes: number; imagesPerScene: number };
  /** The shop's daily image limit (every request counts against it), and when it resets (ISO). */
  dailyImages: DailyImagesView;
  /** The model profile that made the candidates (or will make them). */
  profile: string;
  /** What Generate and Approve cost, shown before the click. */
  pricing: StudioPrices;
  now: string;
}

type ProductMedia = NonNullable<ProductStudioQuery["product"]>["media"]["nodes"][number];

const isImage = (m: ProductMedia): m is Extract<ProductMedia, { thumbnail: unknown }> => "thumbnail" in m;

/** The product page in the merchant's admin: App Bridge opens `shopify:admin/…` links in the admin (the stand-in, on the local store's admin page). */
export function adminProductUrl(gid: string): string {
  return `shopify:admin/products/${numericId(gid)}`;
}

/** Signed URLs that stay the same for an hour, so that revalidations do not reload every image. */
async function stableSignedUrl(key: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return blobStore().signedUrl(key as BlobKey, { expiresInSeconds: 7200 - (now % 3600) });
}

function generationView(g: Generation, gpuJobsAhead: number | null = null): GenerationView {
  return {
    id: g.id,
    status: g.status,
    progress: g.progress,
    stage: g.stage,
    stageLabel:
      gpuJobsAhead !== null
        ? gpuWaitLabel(gpuJobsAhead)
        : g.status === "queued"
          ? "Waiting for a free slot"
          : stageLabel(g.stage),
    etaAt: g.etaAt?.toISOString() ?? null,
    error: g.error,
    cancelRequested: g.cancelRequested,
    gpuJobsAhead,
    resumable: g.status === "failed" && g.error === RECONNECT_MESSAGE && !g.cancelRequested,
    sceneCount: parseGenerationScenes(g.scenes).length,
    imagesPerScene: g.imagesPerScene,
    createdAt: g.createdAt.toISOString(),
  };
}

const scoresOf = (c: Pick<Candidate, "dino" | "clipI" | "clipT" | "itm" | "itc">) => ({
  dino: c.dino,
  clipI: c.clipI,
  clipT: c.clipT,
  itm: c.itm,
  itc: c.itc,
});

async function candidateViews(
  candidates: Array<Candidate & { generation: Generation }>,
  media: ProductMedia[],
  thresholds: Thresholds,
): Promise<CandidateView[]> {
  const sceneText = new Map<string, string>();
  for (const c of candidates) {
    if (!sceneText.has(c.generationId)) {
      for (const s of parseGenerationScenes(c.generation.scenes)) sceneText.set(`${c.generationId}:${s.id}`, s.text);
      sceneText.set(c.generationId, "");
    }
  }
  const mediaUrl = new Map(media.filter(isImage).map((m) => [m.id, m.image?.url ?? null]));
  return Promise.all(
    candidates.map(async (c) => {
      const verdicts = [verdict("subject", scoresOf(c), thresholds), verdict("scene", scoresOf(c), thresholds)];
      return {
        id: c.id,
        generationId: c.generationId,
        mode: c.mode,
        sceneKind: c.sceneKind,
        sceneText:
          sceneText.get(`${c.generationId}:${c.sceneId}`) ?? SCENES.find((s) => s.id === c.sceneId)?.text ?? c.prompt,
        prompt: c.prompt,
        imageUrl: await stableSignedUrl(c.thumbBlobKey ?? c.imageBlobKey),
        scores: scoresOf(c),
        selected: c.selected,
        state: c.state,
        publishedMediaId: c.publishedMediaId,
        publishedUrl: c.publishedMediaId ? (mediaUrl.get(c.publishedMediaId) ?? null) : null,
        ratingSubject: c.ratingSubject,
        ratingScene: c.ratingScene,
        error: c.error,
        fullUrl: await stableSignedUrl(c.imageBlobKey),
        createdAt: c.createdAt.toISOString(),
        verdicts,
        overall: overallLevel(verdicts),
      };
    }),
  );
}

/** The shop's rated images (every product's), newest first: what the verdicts calibrate on. */
const RATED_SAMPLE = 2000;

async function verdictCalibration(ctx: ShopContext, settings: Parameters<typeof shopThresholds>[0]) {
  const rated = await ctx.db.candidate.findMany({
    where: { OR: [{ ratingSubject: { not: null } }, { ratingScene: { not: null } }] },
    select: { dino: true, clipI: true, clipT: true, itm: true, itc: true, ratingSubject: true, ratingScene: true },
    orderBy: { updatedAt: "desc" },
    take: RATED_SAMPLE,
  });
  return calibrate(
    shopThresholds(settings),
    rated.map((r) => ({ scores: scoresOf(r), ratingSubject: r.ratingSubject, ratingScene: r.ratingScene })),
  );
}

async function compareSources(
  trainingImages: TrainingImage[],
  photos: StudioPhoto[],
  labels: Map<string, string>,
): Promise<CompareSource[]> {
  const crops = trainingImages
    .filter((t) => !t.excluded && t.preparedBlobKey)
    .sort((a, b) => (a.rank || Infinity) - (b.rank || Infinity));
  if (crops.length === 0) return photos.map((p) => ({ id: p.mediaId, label: `Your photo ${p.label}`, url: p.url }));
  return Promise.all(
    crops.map(async (t, i) => ({
      id: t.sourceMediaId,
      label: labels.has(t.sourceMediaId) ? `Your photo ${labels.get(t.sourceMediaId)}` : `Training photo ${i + 1}`,
      url: await stableSignedUrl(t.preparedBlobKey!),
    })),
  );
}

/** A published image's states: on the product, taken off it, or on its way back. */
const AFTER_PUBLISH_STATES = ["published", "removed", "approved", "upscaling", "publishing"];

/** The images SceneBooth put on the product (or took off it), newest first. */
function publishedItems(
  candidates: Candidate[],
  views: CandidateView[],
  featuredMediaId: string | null,
): PublishedItem[] {
  const view = new Map(views.map((v) => [v.id, v]));
  return candidates
    .filter((c) => c.publishedMediaId && AFTER_PUBLISH_STATES.includes(c.state))
    .sort((a, b) => (b.publishedAt ?? b.updatedAt).getTime() - (a.publishedAt ?? a.updatedAt).getTime())
    .map((c) => ({
      candidateId: c.id,
      sceneText: view.get(c.id)?.sceneText ?? c.prompt,
      thumbUrl: view.get(c.id)?.imageUrl ?? "",
      state: c.state,
      publishedAt: c.publishedAt?.toISOString() ?? null,
      removedAt: c.removedAt?.toISOString() ?? null,
      featured: c.publishedMediaId === featuredMediaId,
      note: c.state === "removed" ? c.error : null,
    }));
}

/** The product through the shop's own Admin API: null for an unknown id or another shop's product. */
async function findProduct(ctx: ShopContext, id: string) {
  const gid = productGid(id);
  if (!gid) return null;
  const { product } = await ctx.admin.request(ProductStudioDocument, {
    id: gid,
    mediaFirst: MEDIA_PAGE,
    thumbSize: PHOTO_THUMB,
  });
  return product;
}

async function requireProduct(ctx: ShopContext, id: string) {
  const product = await findProduct(ctx, id);
  if (!product) throw notFound("This product");
  return product;
}

function studioPhotos(media: ProductMedia[], published: Set<string>): StudioPhoto[] {
  return media
    .filter(isImage)
    .filter((m) => m.status === "READY" && m.image?.url && !published.has(m.id))
    .map((m, i) => ({
      mediaId: m.id,
      label: `#${i + 1}`,
      thumbUrl: m.thumbnail?.url ?? m.image!.url,
      url: m.image!.url,
      width: m.image!.width,
      height: m.image!.height,
      alt: m.alt || `Product photo ${i + 1}`,
    }));
}

export async function loadStudio(ctx: ShopContext, id: string): Promise<StudioData> {
  const product = await requireProduct(ctx, id);
  const settings = await readShopSettings(db(), ctx.shop);
  const presets = await listBrandPresets(db(), ctx.shop);
  const subject = await ctx.db.subject.findUnique({
    where: { shop_productId: { shop: ctx.shop, productId: product.id } },
    include: { trainingImages: true },
  });
  const generation = subject
    ? await ctx.db.generation.findFirst({
        where: { subjectId: subject.id },
        orderBy: { createdAt: "desc" },
        include: { tuningRun: true },
      })
    : null;
  const candidates = subject
    ? await ctx.db.candidate.findMany({
        where: { subjectId: subject.id },
        include: { generation: true },
        orderBy: [{ createdAt: "desc" }],
        take: 400,
      })
    : [];
  const calibration = await verdictCalibration(ctx, settings);
  const published = new Set(candidates.flatMap((c) => (c.publishedMediaId ? [c.publishedMediaId] : [])));
  const photos = studioPhotos(product.media.nodes, published);
  const labels = new Map(photos.map((p) => [p.mediaId, p.label]));

  let lastCheck: PhotoCheckView | null = null;
  if (subject?.datasetReport) {
    const idToMedia = new Map(subject.trainingImages.map((t) => [t.id, t.sourceMediaId]));
    lastCheck = reportView(JSON.parse(subject.datasetReport) as DatasetReport, idToMedia, labels, "last-request");
  }
  const views = (await candidateViews(candidates, product.media.nodes, calibration.thresholds)).sort(bestMatchFirst);
  const options = generation ? parseGenerationOptions(generation.options) : null;
  const scenes = generation ? parseGenerationScenes(generation.scenes) : null;
  return {
    product: {
      gid: product.id,
      id: numericId(product.id),
      title: product.title,
      productType: product.productType,
      adminUrl: adminProductUrl(product.id),
    },
    subject: subject
      ? {
          state: subject.state,
          classNoun: subject.classNoun,
          identifierToken: subject.identifierToken,
          lastError: subject.lastError,
        }
      : null,
    suggestedClassNoun: suggestClassNoun(product.productType, product.title),
    photos,
    publishedCount: published.size,
    onlyOtherMedia: product.media.nodes.length === 0 && (product.mediaCount?.count ?? 0) > 0,
    lastCheck,
    generation: generation ? generationView(generation, await gpuJobsAheadOf(generation)) : null,
    draft: {
      // A preset deleted since the last request is not offered again.
      sceneIds: scenes
        ? scenes
            .filter((s) => s.kind !== "custom")
            .map((s) => s.id)
            .filter((sceneId) => isBuiltInSceneId(sceneId) || presets.some((p) => p.id === sceneId))
        : // The shop's defaults, less those that do not suit this product (as bulk requests leave them out).
          settings.defaultSceneIds.filter((sceneId) =>
            sceneSuits(sceneId, {
              classNoun: subject?.classNoun ?? suggestClassNoun(product.productType, product.title),
              productType: product.productType,
            }),
          ),
      customScenes: scenes ? scenes.filter((s) => s.kind === "custom").map((s) => s.text) : [],
      imagesPerScene: generation?.imagesPerScene ?? settings.imagesPerScene,
      mediaIds: options?.mediaIds ?? null,
      allowLowDiversity: options?.allowLowDiversity ?? false,
      // A new request of a product with one or two photos starts on exact-product images, as bulk requests do.
      modes: modeChoiceOf(options?.modes ?? automaticModes(photos.length, settings.fastLane) ?? undefined),
    },
    modePrices: modePrices(),
    candidates: views,
    presets,
    review: {
      sources: await compareSources(subject?.trainingImages ?? [], photos, labels),
      calibration: calibration.aspects,
    },
    published: publishedItems(candidates, views, product.featuredMedia?.id ?? null),
    itmThreshold: settings.itmThreshold,
    limits: { customScenes: MAX_CUSTOM_SCENES, imagesPerScene: MAX_IMAGES_PER_SCENE },
    dailyImages: dailyImagesView(await shopDailyImages(ctx.db)),
    profile: generation?.tuningRun?.profile ?? config().modelProfile,
    pricing: await studioPrices(ctx, subject, config().modelProfile),
    now: new Date().toISOString(),
  };
}

/** The dataset check of the photos picked now (before any request). */
export async function checkPhotos(ctx: ShopContext, id: string, mediaIds: string[]): Promise<PhotoCheckView> {
  const product = await requireProduct(ctx, id);
  const published = new Set(
    (
      await ctx.db.candidate.findMany({
        where: { publishedMediaId: { not: null } },
        select: { publishedMediaId: true },
      })
    ).map((c) => c.publishedMediaId!),
  );
  const photos = studioPhotos(product.media.nodes, published);
  const picked = photos.filter((p) => mediaIds.includes(p.mediaId));
  if (picked.length !== new Set(mediaIds).size) throw notFound("One of these photos");
  return previewPhotoCheck(
    ctx.shop,
    picked.map((p) => ({ mediaId: p.mediaId, label: p.label, url: p.url })),
  );
}

export interface Progress {
  generation: GenerationView | null;
  subjectState: string | null;
  candidates: Array<{ id: string; state: string }>;
}

/** What the studio polls while a request or a publish runs: small and cheap (database only). */
export async function studioProgress(ctx: ShopContext, id: string): Promise<Progress> {
  const gid = productGid(id);
  if (!gid) throw notFound("This product");
  const subject = await ctx.db.subject.findUnique({ where: { shop_productId: { shop: ctx.shop, productId: gid } } });
  if (!subject) return { generation: null, subjectState: null, candidates: [] };
  const generation = await ctx.db.generation.findFirst({
    where: { subjectId: subject.id },
    orderBy: { createdAt: "desc" },
  });
  const candidates = await ctx.db.candidate.findMany({
    where: { subjectId: subject.id },
    select: { id: true, state: true },
  });
  return {
    generation: generation ? generationView(generation, await gpuJobsAheadOf(generation)) : null,
    subjectState: subject.state,
    candidates,
  };
}

export type StudioActionResult = { ok: true; message: string } | { ok: false; error: string; field?: string };

const strings = (form: FormData, name: string) =>
  form
    .getAll(name)
    .map(String)
    .filter((s) => s.trim() !== "");

async function startRequest(ctx: ShopContext, id: string, form: FormData): Promise<StudioActionResult> {
  const product = await requireProduct(ctx, id);
  const imagesPerScene = Number(form.get("imagesPerScene"));
  const custom = strings(form, "customScene");
  if (custom.length > MAX_CUSTOM_SCENES)
    return { ok: false, error: `At most ${MAX_CUSTOM_SCENES} custom scenes per request.`, field: "customScene" };
  const mediaIds = strings(form, "mediaId");
  const photoIds = new Set(product.media.nodes.map((m) => m.id));
  if (mediaIds.some((m) => !photoIds.has(m))) throw notFound("One of these photos");
  if (mediaIds.length === 0)
    return { ok: false, error: "Pick the photos to learn the product from.", field: "mediaId" };
  if (!Number.isInteger(imagesPerScene) || imagesPerScene < 1 || imagesPerScene > MAX_IMAGES_PER_SCENE) {
    return {
      ok: false,
      error: `Images per scene must be between 1 and ${MAX_IMAGES_PER_SCENE}.`,
      field: "imagesPerScene",
    };
  }
  const choice = String(form.get("modes") ?? "tuned");
  if (!(choice in MODE_CHOICES))
    return { ok: false, error: "Pick the kind of images: tuned, exact product or both.", field: "modes" };
  const modes = MODE_CHOICES[choice as ModeChoice];
  const refusal = await spendingRefusal(ctx, upfrontPriceUsd(laneOf(modes)));
  if (refusal) return { ok: false, error: refusal };
  try {
    const { created } = await requestScenes(db(), producers(), {
      shop: ctx.shop,
      product: { id: product.id, title: product.title, productType: product.productType },
      classNoun: String(form.get("classNoun") ?? ""),
      sceneIds: strings(form, "sceneId"),
      customScenes: custom,
      imagesPerScene,
      source: "interactive",
      options: { mediaIds, allowLowDiversity: form.get("allowLowDiversity") === "on", modes },
    });
    return {
      ok: true,
      message: created
        ? "Started: SceneBooth is checking your photos."
        : "A request for this product is already running.",
    };
  } catch (error) {
    if (error instanceof SceneRequestError) return { ok: false, error: error.message };
    throw error;
  }
}

async function productCandidate(ctx: ShopContext, productGidValue: string, candidateId: string) {
  const candidate = await ctx.db.candidate.findUnique({ where: { id: candidateId }, include: { subject: true } });
  if (!candidate || candidate.subject.productId !== productGidValue) throw notFound("This image");
  return candidate;
}

const rating = (raw: FormDataEntryValue | null): number | null | undefined => {
  if (raw === null) return undefined;
  if (raw === "") return null;
  return Number(raw);
};

/**
 * Remove and Make featured ask Shopify first and change the image's row after: when Shopify does not
 * answer, nothing was recorded, and trying again is safe (both calls leave the same state when repeated).
 */
async function afterPublish(action: () => Promise<string>): Promise<StudioActionResult> {
  try {
    return { ok: true, message: await action() };
  } catch (error) {
    if (!(error instanceof AdminApiError) || error.kind === "user-errors") throw error;
    return { ok: false, error: "Shopify did not answer in time. Try again in a minute: trying again is safe." };
  }
}

/** The studio's form posts: start, cancel, review (approve/reject/rate), bulk approve; 503 while the job queue does not answer. */
export async function studioAction(
  ctx: ShopContext,
  id: string,
  form: FormData,
): Promise<StudioActionResult | ReturnType<typeof queueUnavailable>> {
  const gid = productGid(id);
  if (!gid) throw notFound("This product");
  const intent = String(form.get("intent") ?? "");
  try {
    switch (intent) {
      case "start":
        return await startRequest(ctx, id, form);
      case "resume": {
        const generationId = String(form.get("generationId") ?? "");
        const generation = await ctx.db.generation.findUnique({
          where: { id: generationId },
          include: { subject: true },
        });
        if (!generation || generation.subject.productId !== gid) throw notFound("This request");
        return { ok: true, message: await resumeRequests(ctx, [generationId]) };
      }
      case "cancel": {
        const generationId = String(form.get("generationId") ?? "");
        const generation = await ctx.db.generation.findUnique({
          where: { id: generationId },
          include: { subject: true },
        });
        if (!generation || generation.subject.productId !== gid) throw notFound("This request");
        await cancelGeneration(db(), producers(), ctx.shop, generationId);
        return { ok: true, message: "Cancelling: nothing more will be charged for this request." };
      }
      case "review": {
        const candidate = await productCandidate(ctx, gid, String(form.get("candidateId") ?? ""));
        const decision = form.get("decision");
        if (decision === "approve" && APPROVABLE_STATES.includes(candidate.state)) {
          const refusal = await spendingRefusal(ctx, PRICES_USD.images_published);
          if (refusal) return { ok: false, error: refusal };
        }
        const review: CandidateReview = {
          ...(decision === "approve" || decision === "reject" ? { decision } : {}),
          ...(rating(form.get("ratingSubject")) !== undefined
            ? { ratingSubject: rating(form.get("ratingSubject")) }
            : {}),
          ...(rating(form.get("ratingScene")) !== undefined ? { ratingScene: rating(form.get("ratingScene")) } : {}),
        };
        await reviewCandidate(db(), producers(), ctx.shop, candidate.id, review);
        const message =
          review.decision === "approve"
            ? "Approved: upscaling to 2048 px, then publishing to the product."
            : review.decision === "reject"
              ? "Rejected."
              : "Rating saved.";
        return { ok: true, message };
      }
      case "approve-many": {
        const ids = strings(form, "candidateId");
        if (ids.length === 0) return { ok: false, error: "Select the images to approve." };
        for (const candidateId of ids) await productCandidate(ctx, gid, candidateId);
        const refusal = await spendingRefusal(ctx, ids.length * PRICES_USD.images_published);
        if (refusal) return { ok: false, error: refusal };
        for (const candidateId of ids)
          await reviewCandidate(db(), producers(), ctx.shop, candidateId, { decision: "approve" });
        return {
          ok: true,
          message: `${ids.length} image${ids.length === 1 ? "" : "s"} approved: upscaling, then publishing.`,
        };
      }
      case "remove-published": {
        const candidate = await productCandidate(ctx, gid, String(form.get("candidateId") ?? ""));
        return afterPublish(() => removePublished(db(), ctx.admin, ctx.shop, candidate.id));
      }
      case "feature-published": {
        const candidate = await productCandidate(ctx, gid, String(form.get("candidateId") ?? ""));
        return afterPublish(() => featurePublished(db(), ctx.admin, ctx.shop, candidate.id));
      }
      case "republish": {
        const candidate = await productCandidate(ctx, gid, String(form.get("candidateId") ?? ""));
        return { ok: true, message: await republish(db(), producers(), ctx.shop, candidate.id) };
      }
      default:
        return { ok: false, error: `Unknown action "${intent}".` };
    }
  } catch (error) {
    if (error instanceof ReviewError || error instanceof PublishedMediaError)
      return { ok: false, error: error.message };
    if (error instanceof NotFoundError) throw notFound("This item");
    if (isDatabaseUnavailable(error)) return { ok: false, error: DATABASE_UNAVAILABLE_MESSAGE };
    if (isRedisUnavailable(error)) return queueUnavailable();
    throw error;
  }
}
