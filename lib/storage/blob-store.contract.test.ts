// One behaviour, two stores: every BlobStore must pass these, the local directory and an
// S3-compatible bucket (moto's server over real HTTP) alike.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BlobNotFoundError, DEFAULT_SIGNED_URL_SECONDS, type BlobStore } from "./blob-store";
import { InvalidBlobKeyError, blobKey, shopPrefix, type BlobKey } from "./keys";
import { LocalBlobStore } from "./local-blob-store";
import { S3BlobStore } from "./s3-blob-store";
import { verifyBlobSignature } from "./signing";
import { MOTO_CREDENTIALS, MOTO_REGION, startMotoServer, type MotoServer } from "../../tests/harness/moto-server";

const SHOP_A = "shop-a.myshopify.com";
const SHOP_B = "shop-b.myshopify.com";
const SIGNING_KEY = "contract-signing-key";

interface Driver {
  name: string;
  start(): Promise<void>;
  /** A fresh, empty store. */
  open(): Promise<BlobStore>;
  closeStore(): Promise<void>;
  stop(): Promise<void>;
  /** What the holder of a signed URL gets now: the blob, or null when refused. */
  readSigned(url: string): Promise<{ data: Buffer; contentType: string } | null>;
  /** The time (unix seconds) after which a signed URL stops working. */
  expiresAt(url: string): number;
}

function localDriver(): Driver {
  let root = "";
  let store: LocalBlobStore;
  return {
    name: "LocalBlobStore",
    start: async () => {},
    async open() {
      root = await mkdtemp(path.join(os.tmpdir(), "blobs-contract-"));
      store = new LocalBlobStore({ rootDir: root, publicBaseUrl: "http://app.test", signingKey: SIGNING_KEY });
      return store;
    },
    closeStore: () => rm(root, { recursive: true, force: true }),
    stop: async () => {},
    // The app's /blobs route serves these URLs; this is its check (app/services/blobs.server.ts),
    // without the HTTP server around it.
    async readSigned(url) {
      const parsed = new URL(url);
      const key = decodeURIComponent(parsed.pathname.replace(/^\/blobs\//, ""));
      const check = verifyBlobSignature(
        SIGNING_KEY,
        key,
        Number(parsed.searchParams.get("expires")),
        parsed.searchParams.get("signature") ?? "",
      );
      return check === "valid" ? store.get(key as BlobKey) : null;
    },
    expiresAt: (url) => Number(new URL(url).searchParams.get("expires")),
  };
}

function s3Driver(): Driver {
  let moto: MotoServer;
  let store: S3BlobStore;
  return {
    name: "S3BlobStore (moto)",
    async start() {
      moto = await startMotoServer();
    },
    async open() {
      const bucket = `contract-${randomUUID()}`;
      await moto.createBucket(bucket);
      store = new S3BlobStore({
        bucket,
        region: MOTO_REGION,
        endpoint: moto.endpoint,
        forcePathStyle: true,
        credentials: MOTO_CREDENTIALS,
      });
      return store;
    },
    closeStore: async () => store.close(),
    stop: () => moto?.stop(),
    async readSigned(url) {
      const response = await fetch(url);
      if (!response.ok) return null;
      return {
        data: Buffer.from(await response.arrayBuffer()),
        contentType: response.headers.get("content-type") ?? "",
      };
    },
    expiresAt(url) {
      const params = new URL(url).searchParams;
      const signedAt = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(params.get("X-Amz-Date") ?? "");
      if (!signedAt) throw new Error(`no X-Amz-Date in ${url}`);
      const [, y, mo, d, h, mi, s] = signedAt.map(Number) as number[];
      return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) / 1000 + Number(params.get("X-Amz-Expires"));
    },
  };
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function inBatches<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: limit }, lane));
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe.each([localDriver(), s3Driver()])("BlobStore contract: $name", (driver) => {
  let store: BlobStore;

  beforeAll(() => driver.start(), 60_000);
  afterAll(() => driver.stop());
  beforeEach(async () => {
    store = await driver.open();
  });
  afterEach(() => driver.closeStore());

  it("round-trips bytes and content type, and overwrites", async () => {
    const key = blobKey(SHOP_A, "subjects", "s1", "photo.png");
    const bytes = randomBytes(64 * 1024);
    await store.put(key, bytes, { contentType: "image/png" });
    expect(await store.get(key)).toEqual({ data: bytes, contentType: "image/png" });
    expect(await store.exists(key)).toBe(true);

    await store.put(key, Buffer.from("two"));
    expect(await store.get(key)).toEqual({ data: Buffer.from("two"), contentType: "application/octet-stream" });
    await store.put(blobKey(SHOP_A, "empty.bin"), Buffer.alloc(0));
    expect((await store.get(blobKey(SHOP_A, "empty.bin"))).data.length).toBe(0);
  });

  it("reports a missing blob with BlobNotFoundError and deletes idempotently", async () => {
    const missing = blobKey(SHOP_A, "missing.bin");
    await expect(store.get(missing)).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(store.get(missing)).rejects.toMatchObject({ key: missing });
    expect(await store.exists(missing)).toBe(false);

    const key = blobKey(SHOP_A, "a.bin");
    await store.put(key, Buffer.from("one"));
    await store.put(blobKey(SHOP_A, "a.bin2"), Buffer.from("kept"));
    await store.delete(key);
    await store.delete(key);
    await store.delete(missing);
    expect(await store.exists(key)).toBe(false);
    await expect(store.get(key)).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await store.list(shopPrefix(SHOP_A))).toEqual([blobKey(SHOP_A, "a.bin2")]);
  });

  it("rejects keys that are not a shop's blob keys", async () => {
    await expect(store.put("shops/shop-a.myshopify.com/../x" as BlobKey, Buffer.from("x"))).rejects.toBeInstanceOf(
      InvalidBlobKeyError,
    );
    await expect(store.get("/etc/passwd" as BlobKey)).rejects.toBeInstanceOf(InvalidBlobKeyError);
    await expect(store.deleteByPrefix("")).rejects.toThrow(/outside shops/);
  });

  it("lists and deletes more than one page (1,000) of keys, one shop at a time", async () => {
    const shopAKeys = Array.from({ length: 1_050 }, (_, i) =>
      blobKey(SHOP_A, "subjects", `s${i % 3}`, `c${String(i).padStart(4, "0")}.png`),
    );
    const shopBKeys = [blobKey(SHOP_B, "subjects", "s0", "c0000.png"), blobKey(SHOP_B, "subjects", "s1", "c0001.png")];
    await inBatches([...shopAKeys, ...shopBKeys], 16, (key) =>
      store.put(key, Buffer.from(key), { contentType: "image/png" }),
    );

    const listed = await store.list(shopPrefix(SHOP_A));
    expect(listed).toHaveLength(shopAKeys.length);
    expect(listed).toEqual([...shopAKeys].sort());
    // A prefix that is not a whole folder (how stored tuner artifacts are listed) matches key starts.
    expect(await store.list(`${shopPrefix(SHOP_A)}subjects/s1/c000`)).toEqual(
      shopAKeys.filter((k) => k.startsWith(`${shopPrefix(SHOP_A)}subjects/s1/c000`)).sort(),
    );

    expect(await store.deleteByPrefix(shopPrefix(SHOP_A))).toBe(shopAKeys.length);
    expect(await store.list(shopPrefix(SHOP_A))).toEqual([]);
    expect(await store.list(shopPrefix(SHOP_B))).toEqual(shopBKeys);
    expect((await store.get(shopBKeys[0]!)).data.toString()).toBe(shopBKeys[0]);
    expect(await store.deleteByPrefix(shopPrefix(SHOP_A))).toBe(0);
  }, 120_000);

  it("signs URLs that serve the blob until the requested expiry", async () => {
    const key = blobKey(SHOP_A, "candidates", "c1-thumb.webp");
    const bytes = randomBytes(2048);
    await store.put(key, bytes, { contentType: "image/webp" });

    const before = nowSeconds();
    const url = await store.signedUrl(key, { expiresInSeconds: 60 });
    expect(driver.expiresAt(url)).toBeGreaterThanOrEqual(before + 60);
    expect(driver.expiresAt(url)).toBeLessThanOrEqual(nowSeconds() + 60);
    expect(await driver.readSigned(url)).toEqual({ data: bytes, contentType: "image/webp" });

    const byDefault = await store.signedUrl(key);
    expect(driver.expiresAt(byDefault) - nowSeconds()).toBeGreaterThanOrEqual(DEFAULT_SIGNED_URL_SECONDS - 1);
    expect(driver.expiresAt(byDefault) - before).toBeLessThanOrEqual(DEFAULT_SIGNED_URL_SECONDS + 1);
  });
});
