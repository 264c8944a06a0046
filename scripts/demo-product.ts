// The demo's main job: one sample product of the local store, from its photos to a published
// 2048 px scene image, printing each stage with its time. Run by `npm run demo` with the demo's
// environment (app, worker and local store already up).
import { PLAN_NAME, PLAN_TERMS, usd } from "../lib/billing";
import { config } from "../lib/config";
import { db, disconnectDb } from "../lib/db";
import { requestScenes } from "../lib/pipeline/request-scenes";
import { reviewCandidate } from "../lib/pipeline/review";
import { stageLabel } from "../lib/pipeline/stages";
import { closeProducers, producers } from "../lib/queue/producer";
import { AdminClient, ProductWithMediaDocument, ProductsPageDocument } from "../lib/shopify-admin";
import { usageKey } from "../lib/usage";

const SHOP = process.env.DEMO_SHOP ?? "scenebooth-demo.myshopify.com";
const PRODUCT = process.env.DEMO_PRODUCT ?? "backpack";
const BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";
const log = (line: string) => console.log(`demo: ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET /app as the Shopify admin's iframe loads it; redirects are not followed. */
async function openApp(storeUrl: string, appUrl: string): Promise<Response> {
  const { token } = (await (
    await fetch(`${storeUrl}/__devstore/session-token`, { method: "POST", body: JSON.stringify({ shop: SHOP }) })
  ).json()) as { token: string };
  const host = Buffer.from(`admin.shopify.com/store/${SHOP.split(".")[0]}`).toString("base64url");
  return fetch(`${appUrl}/app?embedded=1&shop=${SHOP}&host=${host}&id_token=${token}`, {
    headers: { "User-Agent": BROWSER },
    redirect: "manual",
  });
}

/**
 * Opens the app as the merchant (token exchange stores the offline session). Without the plan the
 * app sends the merchant to approve it; the local store approves a subscription as it is created
 * (test charges), so opening the app again lands in it.
 */
async function installShop(storeUrl: string, appUrl: string): Promise<void> {
  const first = await openApp(storeUrl, appUrl);
  const location = first.status === 302 ? first.headers.get("location") : null;
  const approval = location ? new URL(location, appUrl).searchParams.get("exitIframe") : null;
  if (!first.ok && !approval) throw new Error(`opening the app for ${SHOP} failed: HTTP ${first.status}`);
  if (!approval) return;
  const back = await openApp(storeUrl, appUrl);
  if (!back.ok) throw new Error(`opening the app for ${SHOP} after approving the plan failed: HTTP ${back.status}`);
  log(`approved the "${PLAN_NAME}" plan (test charges: ${PLAN_TERMS})`);
}

/** What this run charged: the tuning (none when stored weights were reused) and the published image. */
async function chargesLine(generationId: string, candidateId: string): Promise<string> {
  const generation = await db().generation.findUniqueOrThrow({ where: { id: generationId } });
  const keys = [
    usageKey(SHOP, "tuned_product", generation.tuningRunId ?? ""),
    usageKey(SHOP, "images_published", candidateId),
  ];
  const rows = await db().usageRecord.findMany({ where: { idempotencyKey: { in: keys } } });
  const amount = (kind: string) => rows.filter((r) => r.kind === kind).reduce((sum, r) => sum + r.amountUsd, 0);
  return `charged ${usd(amount("tuned_product"))} for teaching the model${amount("tuned_product") === 0 ? " (stored weights reused)" : ""} and ${usd(amount("images_published"))} for the published image (test charges)`;
}

async function main(): Promise<void> {
  const cfg = config();
  const storeUrl = process.env.SHOPIFY_LOCAL_STORE_URL!;
  const started = Date.now();
  await installShop(storeUrl, cfg.shopify.appUrl);
  const session = await db().session.findFirstOrThrow({ where: { shop: SHOP, isOnline: false } });
  const admin = new AdminClient({ shop: SHOP, accessToken: session.accessToken });
  const { products } = await admin.request(ProductsPageDocument, {
    first: 5,
    query: `title:${PRODUCT}`,
    mediaFirst: 1,
  });
  const product = products.nodes[0];
  if (!product) throw new Error(`the local store has no product matching "${PRODUCT}"`);
  log(`installed on ${SHOP}; product "${product.title}" (${product.mediaCount?.count ?? 0} photos)`);

  const { generation } = await requestScenes(db(), producers(), {
    shop: SHOP,
    product: { id: product.id, title: product.title, productType: product.productType },
    sceneIds: ["g7", "g5", "s18"],
    imagesPerScene: 2,
    source: "interactive",
  });
  let stage: string | null = null;
  let stageStarted = Date.now();
  for (;;) {
    const current = await db().generation.findUniqueOrThrow({ where: { id: generation.id } });
    if (current.stage !== stage) {
      if (stage) log(`  ${stageLabel(stage).padEnd(24)} ${((Date.now() - stageStarted) / 1000).toFixed(1)} s`);
      stage = current.stage;
      stageStarted = Date.now();
    }
    if (current.status === "succeeded") break;
    if (current.status === "failed" || current.status === "cancelled")
      throw new Error(`the request ${current.status}: ${current.error}`);
    await sleep(200);
  }
  log(`  ${stageLabel(stage).padEnd(24)} ${((Date.now() - stageStarted) / 1000).toFixed(1)} s`);

  const candidates = await db().candidate.findMany({
    where: { generationId: generation.id },
    orderBy: [{ selected: "desc" }, { itm: "desc" }],
  });
  const best = candidates[0]!;
  log(
    `${candidates.length} candidates scored (${candidates.filter((c) => c.selected).length} selected; tiny profile: the images are noise)`,
  );
  const approvedAt = Date.now();
  await reviewCandidate(db(), producers(), SHOP, best.id, { decision: "approve" });
  for (;;) {
    const candidate = await db().candidate.findUniqueOrThrow({ where: { id: best.id } });
    if (candidate.state === "published") break;
    if (candidate.state === "failed") throw new Error(`publishing failed: ${candidate.error}`);
    await sleep(200);
  }
  log(`  ${"Upscale + publish".padEnd(24)} ${((Date.now() - approvedAt) / 1000).toFixed(1)} s`);
  const published = await db().candidate.findUniqueOrThrow({ where: { id: best.id } });
  const { product: after } = await admin.request(ProductWithMediaDocument, { id: product.id, mediaFirst: 50 });
  const media = after?.media.nodes.find((m) => m.id === published.publishedMediaId);
  const size = media && "image" in media ? `${media.image?.width}×${media.image?.height}` : "?";
  log(`published ${published.publishedMediaId} on "${product.title}": ${media?.status} ${size}, alt "${media?.alt}"`);
  log(await chargesLine(generation.id, best.id));
  log(`one product end to end in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main()
  .then(async () => {
    await closeProducers();
    await disconnectDb();
    process.exit(0);
  })
  .catch((error) => {
    console.error(`demo: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  });
