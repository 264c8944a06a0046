import crypto from "node:crypto";
import { IMAGE_LIMITS } from "./image-check";
import { notImplemented, type LocalStore } from "./store";
import type { Ctx } from "./context";
import { newId, type ShopRecord, type StagedUploadRecord } from "./state";

const IMAGE_RESOURCES = new Set(["IMAGE", "PRODUCT_IMAGE", "SHOP_IMAGE", "COLLECTION_IMAGE"]);
const SUPPORTED_RESOURCES = new Set([...IMAGE_RESOURCES, "FILE"]);
const TARGET_TTL_MS = 7 * 24 * 3600 * 1000;
const PATH = "/staged-uploads/";

interface StagedUploadInput {
  resource: string;
  filename: string;
  mimeType: string;
  httpMethod?: "POST" | "PUT" | null;
  fileSize?: string | number | null;
}

/** The staged upload id in a target or resource URL of this store, or null for any other URL. */
export function stagedUploadIdFromUrl(url: string): number | null {
  try {
    const m = /^\/staged-uploads\/(\d+)(?:\/|$)/.exec(new URL(url).pathname);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

function sign(secret: string, s: Pick<StagedUploadRecord, "id" | "key" | "maxBytes" | "expiresAt">): string {
  return crypto.createHmac("sha256", secret).update(`${s.id}\n${s.key}\n${s.maxBytes}\n${s.expiresAt}`).digest("hex");
}

function policy(s: StagedUploadRecord): string {
  return Buffer.from(
    JSON.stringify({
      expiration: s.expiresAt,
      conditions: [{ key: s.key }, { "Content-Type": s.mimeType }, ["content-length-range", 1, s.maxBytes]],
    }),
  ).toString("base64");
}

function target(store: LocalStore, s: StagedUploadRecord) {
  const url = new URL(`${PATH}${s.id}`, store.baseUrl);
  const resourceUrl = new URL(`${PATH}${s.id}/${encodeURIComponent(s.filename)}`, store.baseUrl).toString();
  const signature = sign(store.state.uploadSecret, s);
  if (s.httpMethod === "PUT") {
    url.searchParams.set("X-Goog-Signature", signature);
    return {
      url: url.toString(),
      resourceUrl,
      parameters: [
        { name: "content_type", value: s.mimeType },
        { name: "acl", value: "private" },
      ],
    };
  }
  return {
    url: url.toString(),
    resourceUrl,
    parameters: [
      { name: "Content-Type", value: s.mimeType },
      { name: "success_action_status", value: "201" },
      { name: "acl", value: "private" },
      { name: "key", value: s.key },
      { name: "x-goog-algorithm", value: "GOOG4-HMAC-SHA256" },
      { name: "x-goog-date", value: s.expiresAt },
      { name: "policy", value: policy(s) },
      { name: "x-goog-signature", value: signature },
    ],
  };
}

export const stagedUploadMutations = {
  stagedUploadsCreate(args: { input: StagedUploadInput[] }, ctx: Ctx) {
    const userErrors: { field: string[]; message: string }[] = [];
    args.input.forEach((input, i) => {
      const field = (name: string) => ["input", String(i), name];
      if (!SUPPORTED_RESOURCES.has(input.resource))
        throw notImplemented(`stagedUploadsCreate for resource ${input.resource}`);
      if (!input.filename.trim()) userErrors.push({ field: field("filename"), message: "Filename can't be blank" });
      if (
        IMAGE_RESOURCES.has(input.resource) &&
        !(IMAGE_LIMITS.mimeTypes as readonly string[]).includes(input.mimeType)
      ) {
        userErrors.push({
          field: field("mimeType"),
          message: `Mime type ${input.mimeType} is not supported for ${input.resource}; use one of ${IMAGE_LIMITS.mimeTypes.join(", ")}.`,
        });
      }
      const size = input.fileSize == null ? null : Number(input.fileSize);
      if (size !== null && (!Number.isFinite(size) || size < 1))
        userErrors.push({ field: field("fileSize"), message: "File size must be a positive number of bytes" });
      else if (size !== null && size > IMAGE_LIMITS.maxBytes)
        userErrors.push({ field: field("fileSize"), message: "File size exceeds the 20 MB limit" });
    });
    if (userErrors.length) return { stagedTargets: null, userErrors };
    const targets = args.input.map((input) => {
      const id = newId(ctx.store.state);
      const size = input.fileSize == null ? null : Number(input.fileSize);
      const record: StagedUploadRecord = {
        id,
        key: `staged/${ctx.shop.id}/${id}/${input.filename.replace(/[^A-Za-z0-9._-]/g, "_")}`,
        filename: input.filename,
        mimeType: input.mimeType,
        resource: input.resource,
        httpMethod: input.httpMethod === "PUT" ? "PUT" : "POST",
        declaredSize: size,
        maxBytes: size ?? IMAGE_LIMITS.maxBytes,
        expiresAt: new Date(Date.now() + TARGET_TTL_MS).toISOString(),
        uploaded: null,
      };
      ctx.shop.stagedUploads.push(record);
      return target(ctx.store, record);
    });
    ctx.store.changed();
    return { stagedTargets: targets, userErrors: [] };
  },
};

export interface UploadResult {
  status: number;
  body: string;
  contentType: string;
}

function gcsError(status: number, code: string, message: string): UploadResult {
  return {
    status,
    contentType: "application/xml",
    body: `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  };
}

function findTarget(store: LocalStore, id: number): { shop: ShopRecord; staged: StagedUploadRecord } | null {
  for (const shop of store.state.shops) {
    const staged = shop.stagedUploads.find((s) => s.id === id);
    if (staged) return { shop, staged };
  }
  return null;
}

/**
 * The upload itself, to the target stagedUploadsCreate returned: a multipart POST with the form
 * parameters and then the file (or a PUT of the raw bytes), checked against the signed policy.
 */
export async function handleUpload(
  store: LocalStore,
  url: URL,
  method: string,
  headers: Headers,
  body: Buffer,
): Promise<UploadResult> {
  const id = stagedUploadIdFromUrl(url.toString());
  const found = id === null ? null : findTarget(store, id);
  if (!found) return gcsError(404, "NoSuchUpload", "No such staged upload target.");
  const { staged } = found;
  if (Date.parse(staged.expiresAt) < Date.now())
    return gcsError(400, "ExpiredToken", "The staged upload target has expired.");
  const signature = sign(store.state.uploadSecret, staged);
  let bytes: Buffer;
  let contentType: string;
  if (method === "PUT" && staged.httpMethod === "PUT") {
    if (url.searchParams.get("X-Goog-Signature") !== signature)
      return gcsError(403, "SignatureDoesNotMatch", "The request signature does not match.");
    bytes = body;
    contentType = headers.get("content-type") ?? staged.mimeType;
  } else if (method === "POST" && staged.httpMethod === "POST") {
    let form: FormData;
    try {
      form = await new Request(url, { method: "POST", headers, body: new Uint8Array(body) }).formData();
    } catch (err) {
      return gcsError(400, "InvalidArgument", `Could not read the multipart form: ${(err as Error).message}`);
    }
    if (form.get("x-goog-signature") !== signature || form.get("policy") !== policy(staged)) {
      return gcsError(403, "SignatureDoesNotMatch", "The policy or signature does not match this target.");
    }
    if (form.get("key") !== staged.key) return gcsError(400, "InvalidArgument", "The key does not match the policy.");
    const file = form.get("file");
    if (!(file instanceof Blob)) return gcsError(400, "InvalidArgument", "The form has no file field.");
    bytes = Buffer.from(await file.arrayBuffer());
    contentType = String(form.get("Content-Type") ?? file.type);
  } else {
    return gcsError(405, "MethodNotAllowed", `This target takes ${staged.httpMethod}.`);
  }
  if (bytes.length < 1 || bytes.length > staged.maxBytes) {
    return gcsError(
      400,
      "EntityTooLarge",
      `Your proposed upload is ${bytes.length} bytes; the policy allows 1 to ${staged.maxBytes}.`,
    );
  }
  await store.blobs.put(staged.key, bytes);
  staged.uploaded = { bytes: bytes.length, contentType };
  store.changed();
  const location = new URL(`${PATH}${staged.id}/${encodeURIComponent(staged.filename)}`, store.baseUrl).toString();
  if (method === "PUT") return { status: 200, contentType: "text/plain", body: "" };
  return {
    status: 201,
    contentType: "application/xml",
    body: `<?xml version="1.0" encoding="UTF-8"?><PostResponse><Location>${location}</Location><Bucket>local-store</Bucket><Key>${staged.key}</Key><ETag>"${crypto.createHash("md5").update(bytes).digest("hex")}"</ETag></PostResponse>`,
  };
}
