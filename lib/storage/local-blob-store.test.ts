import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BlobNotFoundError } from "./blob-store";
import { InvalidBlobKeyError, blobKey, keyBelongsTo, parseBlobKey, shopPrefix } from "./keys";
import { LocalBlobStore } from "./local-blob-store";
import { verifyBlobSignature } from "./signing";

const SHOP_A = "shop-a.myshopify.com";
const SHOP_B = "shop-b.myshopify.com";
const SIGNING_KEY = "test-signing-key";

describe("LocalBlobStore", () => {
  let root: string;
  let store: LocalBlobStore;

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "blobs-"));
    store = new LocalBlobStore({ rootDir: root, publicBaseUrl: "http://app.test", signingKey: SIGNING_KEY });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("stores and reads back bytes and content type", async () => {
    const key = blobKey(SHOP_A, "subjects", "s1", "photo.png");
    await store.put(key, Buffer.from("png bytes"), { contentType: "image/png" });
    const blob = await store.get(key);
    expect(blob.data.toString()).toBe("png bytes");
    expect(blob.contentType).toBe("image/png");
    expect(await store.exists(key)).toBe(true);
  });

  it("overwrites atomically and reports missing blobs with a typed error", async () => {
    const key = blobKey(SHOP_A, "a.bin");
    await store.put(key, Buffer.from("one"));
    await store.put(key, Buffer.from("two"));
    expect((await store.get(key)).data.toString()).toBe("two");
    await expect(store.get(blobKey(SHOP_A, "missing.bin"))).rejects.toBeInstanceOf(BlobNotFoundError);
    await store.put(blobKey(SHOP_A, "a.bin2"), Buffer.from("kept"));
    await store.delete(key);
    await store.delete(key);
    expect(await store.exists(key)).toBe(false);
    expect(await store.exists(blobKey(SHOP_A, "a.bin2"))).toBe(true);
    expect(await store.exists(blobKey(SHOP_A, "missing.bin"))).toBe(false);
  });

  it("deletes one shop's prefix and leaves the other shop's blobs", async () => {
    await store.put(blobKey(SHOP_A, "x", "1"), Buffer.from("a1"));
    await store.put(blobKey(SHOP_A, "y", "2"), Buffer.from("a2"));
    await store.put(blobKey(SHOP_B, "x", "1"), Buffer.from("b1"));
    expect(await store.deleteByPrefix(shopPrefix(SHOP_A))).toBe(2);
    expect(await store.list(shopPrefix(SHOP_A))).toEqual([]);
    expect(await store.list(shopPrefix(SHOP_B))).toEqual([blobKey(SHOP_B, "x", "1")]);
    await expect(store.deleteByPrefix("")).rejects.toThrow(/outside shops/);
  });

  it("signs URLs that verify for their key only and expire", async () => {
    const key = blobKey(SHOP_A, "candidate.png");
    const url = new URL(await store.signedUrl(key, { expiresInSeconds: 60 }));
    expect(url.pathname).toBe(`/blobs/${key}`);
    const expires = Number(url.searchParams.get("expires"));
    const signature = url.searchParams.get("signature") ?? "";
    expect(verifyBlobSignature(SIGNING_KEY, key, expires, signature)).toBe("valid");
    // The same signature on another shop's key, or with a later expiry, is rejected.
    expect(verifyBlobSignature(SIGNING_KEY, blobKey(SHOP_B, "candidate.png"), expires, signature)).toBe("invalid");
    expect(verifyBlobSignature(SIGNING_KEY, key, expires + 3600, signature)).toBe("invalid");
    expect(verifyBlobSignature("other-key", key, expires, signature)).toBe("invalid");
    expect(verifyBlobSignature(SIGNING_KEY, key, expires, signature, expires + 1)).toBe("expired");
  });
});

describe("blob keys", () => {
  it("prefix every key with its shop and reject path tricks", () => {
    const key = blobKey(SHOP_A, "subjects", "s1", "photo.png");
    expect(key).toBe("shops/shop-a.myshopify.com/subjects/s1/photo.png");
    expect(keyBelongsTo(key, SHOP_A)).toBe(true);
    expect(keyBelongsTo(key, SHOP_B)).toBe(false);
    expect(parseBlobKey(key)).toEqual({ key, shop: SHOP_A });
    expect(() => blobKey(SHOP_A, "..", "x")).toThrow(InvalidBlobKeyError);
    expect(() => blobKey(SHOP_A, "a/b")).toThrow(InvalidBlobKeyError);
    expect(() => blobKey("evil.com", "x")).toThrow(InvalidBlobKeyError);
    expect(() => parseBlobKey("shops/shop-a.myshopify.com/../shop-b.myshopify.com/x")).toThrow(InvalidBlobKeyError);
    expect(() => parseBlobKey("/etc/passwd")).toThrow(InvalidBlobKeyError);
  });
});
