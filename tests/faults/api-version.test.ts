// Fault suite, Admin API version fallback: Shopify stops supporting the app's API version (its
// window is about 12 months) and answers its requests with the oldest supported version instead,
// saying so in X-Shopify-API-Version. Reading products and publishing must still work on that
// version's schema, nothing may be lost or done twice, and the worker must say what happened.
import { afterAll, beforeAll, expect } from "vitest";
import { SHOPIFY_API_VERSION } from "../../lib/shopify-admin/version";
import type { ProcessHandle } from "../harness/stack";
import { faultGroup } from "./fault-case";
import {
  DEMO_SHOP,
  approvableImage,
  approveAndSettle,
  newProduct,
  publishedCopies,
  requestFor,
  runUntil,
  startFaultStack,
  storeProduct,
  type FaultStack,
} from "./helpers";

let fs: FaultStack;
let worker: ProcessHandle;

beforeAll(async () => {
  fs = await startFaultStack();
  worker = await fs.stack.startWorker();
});
afterAll(async () => {
  await worker?.kill("SIGKILL");
  await fs?.close();
});

const faultCase = faultGroup("platform faults", () => fs, { part: "api version" });
const control = () => fs.stack.store.control;
// The app's version leaves the window: the oldest version left serves it.
const WINDOW_WITHOUT_THE_APPS = ["2026-01", "2026-04", "2026-07"];
const FALLBACK_WARNING = `Admin API: asked for ${SHOPIFY_API_VERSION}, Shopify answered`;

async function withRetiredVersion(run: () => Promise<void>): Promise<void> {
  expect(control().setSupportedApiVersions(WINDOW_WITHOUT_THE_APPS)).not.toContain(SHOPIFY_API_VERSION);
  try {
    await run();
  } finally {
    control().setSupportedApiVersions(null);
  }
}

faultCase(
  "version fallback: the app's API version is retired while the worker reads a product",
  { short: true },
  async (ctx) => {
    const teapot = await storeProduct(fs.stack, "Teapot");
    const product = await newProduct(fs.stack, "Version fallback: ingest", teapot.photoUrls.slice(0, 4));
    await withRetiredVersion(async () => {
      const fallbacksBefore = control().stats().versionFallbacks;
      const generation = await requestFor(fs, product, { allowLowDiversity: true });
      ctx.expectRequest(DEMO_SHOP, product.id, product.title);
      const ended = await runUntil(fs, generation.id, "tune");
      expect(ended.status, `${ended.status}: ${ended.error}`).toBe("cancelled");
      const photos = await fs.stack.db.trainingImage.findMany({ where: { subjectId: generation.subjectId } });
      expect(photos.map((p) => p.excludedReason ?? "prepared")).toEqual(Array(4).fill("prepared"));
      expect(control().stats().versionFallbacks).toBeGreaterThan(fallbacksBefore);
    });
    // Said once per worker process, naming the version that answered.
    const warnings = worker
      .output()
      .split("\n")
      .filter((l) => l.includes(FALLBACK_WARNING));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`with ${WINDOW_WITHOUT_THE_APPS[0]}`);
  },
);

faultCase("version fallback: publishing an approved image on the oldest supported version", {}, async () => {
  const { productId, candidateId } = await approvableImage(fs, "Version fallback: publish");
  await withRetiredVersion(async () => {
    const fallbacksBefore = control().stats().versionFallbacks;
    const candidate = await approveAndSettle(fs, candidateId);
    expect([candidate.state, candidate.error]).toEqual(["published", null]);
    expect(publishedCopies(fs, productId, candidateId).map((m) => m.id)).toEqual([candidate.publishedMediaId]);
    expect(control().stats().versionFallbacks).toBeGreaterThan(fallbacksBefore);
  });
});
