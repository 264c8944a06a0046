import { createHmac, timingSafeEqual } from "node:crypto";
import type { BlobKey } from "./keys";

/** Signs blob URLs served by the app's /blobs route (the local store has no URL of its own). */
export interface UrlSignature {
  expires: number;
  signature: string;
}

function sign(signingKey: string, key: string, expires: number): string {
  return createHmac("sha256", signingKey).update(`${key}\n${expires}`).digest("base64url");
}

export function signBlobKey(signingKey: string, key: BlobKey, expiresAtSeconds: number): UrlSignature {
  return { expires: expiresAtSeconds, signature: sign(signingKey, key, expiresAtSeconds) };
}

export type SignatureCheck = "valid" | "expired" | "invalid";

export function verifyBlobSignature(
  signingKey: string,
  key: string,
  expires: number,
  signature: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): SignatureCheck {
  if (!Number.isInteger(expires)) return "invalid";
  const expected = Buffer.from(sign(signingKey, key, expires));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return "invalid";
  return expires < nowSeconds ? "expired" : "valid";
}
