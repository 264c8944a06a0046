// What only the S3 store has: a key prefix inside a shared bucket, presigned URLs, the SDK's
// errors turned into messages, and the choice of store by configuration. The behaviour it
// shares with the local store is in blob-store.contract.test.ts.
import { randomUUID } from "node:crypto";
import { ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config";
import { blobKey, shopPrefix } from "./keys";
import { LocalBlobStore } from "./local-blob-store";
import { S3BlobStore, presignWindow, type S3BlobStoreOptions } from "./s3-blob-store";
import { S3StoreError } from "./s3-errors";
import { createBlobStore } from "./index";
import {
  MOTO_CREDENTIALS,
  MOTO_REGION,
  freePort,
  startMotoServer,
  type MotoServer,
} from "../../tests/harness/moto-server";

const SHOP_A = "shop-a.myshopify.com";

/** Runs `task` with some environment variables set (undefined: unset), then puts them back. */
async function withEnv<T>(vars: Record<string, string | undefined>, task: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return await task();
  } finally {
    apply(saved);
  }
}

describe("S3BlobStore against moto", () => {
  let moto: MotoServer;
  const stores: S3BlobStore[] = [];
  const storeFor = (options: Partial<S3BlobStoreOptions> & { bucket: string }) => {
    const store = new S3BlobStore({
      region: MOTO_REGION,
      endpoint: moto.endpoint,
      forcePathStyle: true,
      credentials: MOTO_CREDENTIALS,
      ...options,
    });
    stores.push(store);
    return store;
  };
  const newBucket = async () => {
    const bucket = `s3-store-${randomUUID()}`;
    await moto.createBucket(bucket);
    return bucket;
  };

  beforeAll(async () => {
    moto = await startMotoServer();
  }, 60_000);
  afterAll(async () => {
    for (const store of stores) store.close();
    await moto?.stop();
  });

  it("keeps its blobs under its key prefix and never touches the rest of the bucket", async () => {
    const bucket = await newBucket();
    const neighbour = `shops/${SHOP_A}/not-ours.bin`;
    await moto.client().send(new PutObjectCommand({ Bucket: bucket, Key: neighbour, Body: "another app's object" }));
    const store = storeFor({ bucket, prefix: "scenebooth/prod/" });
    const key = blobKey(SHOP_A, "subjects", "s1", "photo.png");
    await store.put(key, Buffer.from("png"), { contentType: "image/png" });

    const objects = await moto.client().send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(objects.Contents?.map((o) => o.Key).sort()).toEqual([`scenebooth/prod/${key}`, neighbour]);
    expect(await store.list(shopPrefix(SHOP_A))).toEqual([key]);
    expect(new URL(await store.signedUrl(key)).pathname).toBe(`/${bucket}/scenebooth/prod/${key}`);

    expect(await store.deleteByPrefix(shopPrefix(SHOP_A))).toBe(1);
    const left = await moto.client().send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(left.Contents?.map((o) => o.Key)).toEqual([neighbour]);
    expect(() => storeFor({ bucket, prefix: "no-trailing-slash" })).toThrow(/ending in "\/"/);
  });

  it("presigns a GET that serves the bytes and expires when asked", async () => {
    const store = storeFor({ bucket: await newBucket() });
    const key = blobKey(SHOP_A, "candidates", "c1-thumb.webp");
    await store.put(key, Buffer.from("webp bytes"), { contentType: "image/webp" });

    const asked = Math.floor(Date.now() / 1000) + 1;
    const url = await store.signedUrl(key, { expiresInSeconds: 1 });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/webp");
    expect(Buffer.from(await response.arrayBuffer()).toString()).toBe("webp bytes");
    // moto serves presigned URLs whatever their age (AWS answers 403 "Request has expired"), so the
    // expiry is checked where S3 reads it: the signed X-Amz-Date plus X-Amz-Expires.
    const params = new URL(url).searchParams;
    const signedAt =
      Date.parse(
        params.get("X-Amz-Date")!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"),
      ) / 1000;
    expect(signedAt + Number(params.get("X-Amz-Expires"))).toBeGreaterThanOrEqual(asked);
    expect(signedAt + Number(params.get("X-Amz-Expires"))).toBeLessThanOrEqual(asked + 1);
    expect(params.get("X-Amz-Credential")).toMatch(new RegExp(`^${MOTO_CREDENTIALS.accessKeyId}/`));

    // Signed at the start of the hour, so one absolute expiry gives one URL all hour (presignWindow).
    expect(signedAt % 3600).toBe(0);
  });

  it("names the bucket and endpoint when the bucket does not exist", async () => {
    const store = storeFor({ bucket: "no-such-bucket" });
    const key = blobKey(SHOP_A, "a.bin");
    const message = new RegExp(`S3 bucket "no-such-bucket" at ${moto.endpoint} does not exist`);
    await expect(store.put(key, Buffer.from("x"))).rejects.toThrow(message);
    await expect(store.get(key)).rejects.toThrow(message);
    await expect(store.list(shopPrefix(SHOP_A))).rejects.toThrow(message);
    await expect(store.deleteByPrefix(shopPrefix(SHOP_A))).rejects.toThrow(message);
    await expect(store.get(key)).rejects.toMatchObject({ name: "S3StoreError", code: "NoSuchBucket" });
    // HEAD answers carry no error body: a missing bucket reads as a missing blob here…
    expect(await store.exists(key)).toBe(false);
    // …which is why the processes check the bucket at startup.
    await expect(store.check()).rejects.toThrow(message);
    await expect(storeFor({ bucket: await newBucket() }).check()).resolves.toBeUndefined();
  });

  it("says when the endpoint cannot be reached", async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const store = storeFor({ bucket: "b1x", endpoint });
    const error = await store.get(blobKey(SHOP_A, "a.bin")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(S3StoreError);
    expect((error as Error).message).toBe(
      `Cannot reach S3 bucket "b1x" at ${endpoint} (ECONNREFUSED) while reading "${blobKey(SHOP_A, "a.bin")}": check S3_ENDPOINT and the network.`,
    );
  });

  it("says which credentials to set when the SDK's default chain finds none", async () => {
    const noAws = Object.fromEntries(
      Object.keys(process.env)
        .filter((name) => name.startsWith("AWS_"))
        .map((name) => [name, undefined]),
    );
    const store = storeFor({ bucket: await newBucket(), credentials: undefined });
    await withEnv(
      {
        ...noAws,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_CONFIG_FILE: "/nonexistent/aws-config",
        AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
      },
      () =>
        expect(store.put(blobKey(SHOP_A, "a.bin"), Buffer.from("x"))).rejects.toThrow(
          /^No S3 credentials for bucket "s3-store-[^"]+" at http:\/\/127\.0\.0\.1:\d+: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
        ),
    );
  });

  it("is the store the configuration names", async () => {
    const bucket = await newBucket();
    const s3 = createBlobStore(
      loadConfig({
        STORAGE_DRIVER: "s3",
        S3_BUCKET: bucket,
        S3_PREFIX: "app",
        S3_ENDPOINT: moto.endpoint,
        S3_REGION: MOTO_REGION,
      }),
    );
    expect(s3).toBeInstanceOf(S3BlobStore);
    stores.push(s3 as S3BlobStore);
    // Credentials from the SDK's default chain, here its first link: the environment.
    await withEnv(
      { AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey },
      () => s3.put(blobKey(SHOP_A, "configured.bin"), Buffer.from("x")),
    );
    const objects = await moto.client().send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(objects.Contents?.map((o) => o.Key)).toEqual([`app/${blobKey(SHOP_A, "configured.bin")}`]);
    expect(createBlobStore(loadConfig({}))).toBeInstanceOf(LocalBlobStore);
  });
});

describe("presignWindow", () => {
  const hour = Date.UTC(2026, 0, 1, 10) / 1000;

  it("signs at the start of the hour and still expires at the asked time", () => {
    for (const [now, ttl] of [
      [hour, 1],
      [hour + 1799, 3600],
      [hour + 3599, 900],
    ] as const) {
      const { signingDate, expiresIn } = presignWindow(now * 1000 + 400, ttl);
      expect(signingDate.getTime() / 1000).toBe(hour);
      expect(signingDate.getTime() / 1000 + expiresIn).toBe(now + ttl);
    }
    // One absolute expiry asked at different moments of the hour gives the same window.
    expect(presignWindow((hour + 10) * 1000, 7190)).toEqual(presignWindow((hour + 3000) * 1000, 4200));
  });

  it("signs now when stretching would pass S3's seven-day limit, and rejects what S3 would", () => {
    const week = 7 * 24 * 3600;
    expect(presignWindow((hour + 60) * 1000, week)).toEqual({
      signingDate: new Date((hour + 60) * 1000),
      expiresIn: week,
    });
    expect(() => presignWindow(hour * 1000, week + 1)).toThrow(RangeError);
    expect(() => presignWindow(hour * 1000, 0)).toThrow(RangeError);
  });
});
