// What the "Generate scenes" admin actions show and send, without any UI: the request bodies, the
// checks on the app's answers, and the words on screen. The backend is the app's
// api/scenes/preview and api/scenes/generate (session token and CORS added by Shopify's fetch).

/** The backend refuses larger selections; the action says so before sending. */
export const MAX_SELECTION = 100;

export type Mode = "selection" | "product";

export interface Scene {
  id: string;
  kind: "general" | "specific" | "custom";
  text: string;
  /** A brand preset's name. */
  name?: string;
}

export interface ProductPreview {
  id: string;
  title: string;
  photos: number;
  enoughPhotos: boolean;
  label: string;
  /** How many of the default scenes it gets (library scenes that do not suit it are left out). */
  scenes?: number;
  running: { generationId: string; status: string; progress: number; stage: string } | null;
  waitingForReview: number;
  lastError: string | null;
}

export interface Preview {
  products: ProductPreview[];
  counts: { selected: number; enoughPhotos: number; needsPhotos: number; running: number };
  minPhotos: number;
  scenes: Scene[];
  imagesPerScene: number;
  estimate: {
    products: number;
    /** Of `products`, those in the fast exact-product lane: no tuning charge. */
    fastLane?: number;
    pricePerProductUsd: number;
    totalUsd: number;
    pricePerPublishedImageUsd: number;
    /** Images to review across the products that start. */
    images?: number;
  };
  plan: { active: boolean };
  /** The shop's daily image limit: what is left today and when it resets (ISO). */
  dailyImages?: { limit: number; used: number; remaining: number; resetsAt: string };
  message: string | null;
  progressPath: string;
}

export type ItemStatus = "queued" | "already_running" | "needs_photos" | "over_cap" | "refused";

export interface GenerateResult {
  results: Array<{ id: string; title: string; status: ItemStatus; generationId?: string; message?: string }>;
  counts: { queued: number; alreadyRunning: number; needsPhotos: number; overCap: number; refused: number };
  message: string;
  progressPath: string;
}

/** The part of the extension API the action uses (shopify.data, shopify.close). */
export interface ActionApi {
  data: { selected: ReadonlyArray<{ id: string }> };
  close(): void;
}

export class ExtensionError extends Error {
  override name = "ExtensionError";
}

/** The body both backend routes take: the selected product ids, each once. */
export function selectionBody(selected: ReadonlyArray<{ id: string }>): { productIds: string[] } {
  const productIds = [...new Set(selected.map((s) => s.id))];
  if (productIds.length === 0) throw new ExtensionError("Select at least one product.");
  if (productIds.length > MAX_SELECTION) {
    throw new ExtensionError(
      `Select at most ${MAX_SELECTION} products at a time (you selected ${productIds.length}). To generate for your whole catalog, use SceneBooth's products page.`,
    );
  }
  return { productIds };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** The message to show for a failed request: the app's own words when it sent some. */
export function errorMessage(status: number, body: unknown): string {
  if (isObject(body) && typeof body.error === "string" && body.error) return body.error;
  if (status === 401 || status === 403) return "Your session has expired. Close this window and try again.";
  return `SceneBooth could not be reached (HTTP ${status}). Try again in a moment.`;
}

export function parsePreview(body: unknown): Preview {
  if (
    !isObject(body) ||
    !Array.isArray(body.products) ||
    !isObject(body.counts) ||
    !Array.isArray(body.scenes) ||
    !isObject(body.estimate)
  ) {
    throw new ExtensionError(
      "SceneBooth sent an answer this action does not understand. Reload the page and try again.",
    );
  }
  return body as unknown as Preview;
}

export function parseResult(body: unknown): GenerateResult {
  if (!isObject(body) || !Array.isArray(body.results) || !isObject(body.counts) || typeof body.message !== "string") {
    throw new ExtensionError(
      "SceneBooth sent an answer this action does not understand. Reload the page and try again.",
    );
  }
  return body as unknown as GenerateResult;
}

export function usd(amount: number): string {
  return `$${amount.toFixed(2)}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export interface PreviewView {
  heading: string;
  /** One line per fact: photos, scenes, cost. */
  lines: string[];
  scenes: string[];
  /** Products that will not be started and why. */
  notes: string[];
  /** Why nothing can be started (plan, cap, no product with photos); null when Generate is possible. */
  blocker: string | null;
  canGenerate: boolean;
  primaryLabel: string;
}

/** What the action shows before the merchant clicks Generate. */
export function previewView(preview: Preview, mode: Mode): PreviewView {
  const { counts, estimate } = preview;
  const lines: string[] = [];
  const notes: string[] = [];
  if (mode === "product") {
    const product = preview.products[0]!;
    lines.push(
      `${product.title}: ${product.label}${product.running ? ` (${Math.round(product.running.progress * 100)}%, ${product.running.stage})` : ""}.`,
    );
    if (product.waitingForReview > 0)
      lines.push(`${plural(product.waitingForReview, "image")} waiting for your review.`);
    if (product.lastError && !product.running) notes.push(product.lastError);
    lines.push(
      product.enoughPhotos
        ? `${plural(product.photos, "photo")} to learn from.`
        : `Only ${plural(product.photos, "photo")}: add at least ${preview.minPhotos} (5–7 work best).`,
    );
  } else {
    lines.push(
      `${counts.enoughPhotos} of ${plural(counts.selected, "selected product")} ${counts.enoughPhotos === 1 ? "has" : "have"} enough photos (at least ${preview.minPhotos}).`,
    );
    for (const p of preview.products.filter((x) => !x.enoughPhotos))
      notes.push(`${p.title}: needs photos (${p.photos} of ${preview.minPhotos}).`);
    for (const p of preview.products.filter((x) => x.running)) notes.push(`${p.title}: already in progress.`);
  }
  for (const p of preview.products.filter((x) => x.enoughPhotos && !x.running && x.scenes === 0))
    notes.push(`${p.title}: none of the default scenes suits it; start it from its page in SceneBooth.`);
  const perProduct = preview.scenes.length * preview.imagesPerScene;
  const each = `${plural(preview.scenes.length, "scene")}, ${preview.imagesPerScene} ${preview.imagesPerScene === 1 ? "image" : "images"} each`;
  // The server counts each product's own scenes and kinds of images; an even count reads per product.
  const images = estimate.images;
  lines.push(
    images === undefined || images === perProduct * estimate.products
      ? `${each} (${perProduct} to review per product).`
      : `${each}; scenes that do not suit a product are left out (${plural(images, "image")} to review in all).`,
  );
  if (estimate.products > 0) {
    const fast = estimate.fastLane ?? 0;
    const tuned = estimate.products - fast;
    const breakdown =
      fast === 0
        ? `${plural(tuned, "product")} × ${usd(estimate.pricePerProductUsd)}`
        : `${plural(tuned, "product")} to learn × ${usd(estimate.pricePerProductUsd)}; ${fast} in the fast exact-product lane, with no tuning charge`;
    lines.push(
      `Estimated cost: ${usd(estimate.totalUsd)} (${breakdown}), plus ${usd(estimate.pricePerPublishedImageUsd)} for each image you publish.`,
    );
  }
  if (preview.dailyImages) {
    const { remaining, limit } = preview.dailyImages;
    lines.push(`${remaining} of your ${limit} images a day are left today.`);
  }
  let blocker: string | null = preview.message;
  if (!blocker && estimate.products === 0) {
    blocker =
      mode === "product" && preview.products[0]?.running
        ? "Scenes are already being created for this product."
        : counts.enoughPhotos === 0
          ? `Nothing to start: add at least ${plural(preview.minPhotos, "photo")} to a product first.`
          : preview.products.some((p) => p.enoughPhotos && !p.running && p.scenes === 0)
            ? "Nothing to start: none of the default scenes suits these products. Add scenes that do in SceneBooth's Settings, or start them from their pages."
            : "Nothing to start: the selected products are already in progress.";
  }
  return {
    heading: mode === "product" ? "Generate scenes" : `Generate scenes for ${plural(counts.selected, "product")}`,
    lines,
    scenes: preview.scenes.map((s) => (s.name ? `${s.name} (your preset): ${s.text}` : s.text)),
    notes,
    blocker,
    canGenerate: blocker === null && estimate.products > 0,
    primaryLabel: estimate.products > 0 ? `Generate for ${plural(estimate.products, "product")}` : "Generate scenes",
  };
}

export interface ResultView {
  tone: "success" | "warning" | "critical";
  message: string;
  details: string[];
  progressHref: string;
}

/** A path in the app (e.g. /app/products/123) as a link the admin opens inside the embedded app. */
export function appHref(path: string): string {
  return `app:${path.replace(/^\/+/, "")}`;
}

/** What the action shows after Generate. */
export function resultView(result: GenerateResult): ResultView {
  const { counts } = result;
  const tone =
    counts.queued > 0 && counts.overCap + counts.refused === 0
      ? "success"
      : counts.queued > 0 || counts.alreadyRunning > 0
        ? "warning"
        : "critical";
  const details = result.results
    .filter((r) => r.status !== "queued" && r.message)
    .map((r) => `${r.title}: ${r.message}`);
  return { tone, message: result.message, details, progressHref: appHref(result.progressPath) };
}

/** POSTs JSON to the app's backend; the admin adds the session token to relative fetches. */
export async function callBackend<T>(
  fetcher: typeof fetch,
  path: "api/scenes/preview" | "api/scenes/generate",
  body: unknown,
  parse: (json: unknown) => T,
): Promise<T> {
  let response: Response;
  try {
    response = await fetcher(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ExtensionError("SceneBooth could not be reached. Check your connection and try again.");
  }
  let json: unknown = null;
  try {
    json = await response.json();
  } catch {
    // An answer without JSON: report the status.
  }
  if (!response.ok) throw new ExtensionError(errorMessage(response.status, json));
  return parse(json);
}
