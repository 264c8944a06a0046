import { gid, parseGid } from "../ids";
import { connection, type ConnectionArgs } from "../connection";
import { notImplemented, type ImageTransform } from "../store";
import type { Ctx } from "../context";
import { newId, nowIso, type FileRecord, type ShopRecord } from "../state";
import { startProcessing } from "../media-processing";

export const MAX_ALT_LENGTH = 512;
export const MAX_MEDIA_PER_PRODUCT = 250;

function imageView(ctx: Ctx, shop: ShopRecord, f: FileRecord) {
  return {
    __typename: "Image",
    id: gid("ImageSource", f.id),
    altText: f.alt,
    width: f.width,
    height: f.height,
    url: (args: { transform?: ImageTransform | null }) => ctx.store.imageUrl(shop, f, args.transform),
  };
}

function errorsView(f: FileRecord) {
  return f.errors.map((e) => ({ code: e.code, message: e.message, details: e.details ?? null }));
}

/** Media content type of each kind of product media (Shopify's MediaContentType). */
export const MEDIA_CONTENT_TYPES = {
  MediaImage: "IMAGE",
  Video: "VIDEO",
  ExternalVideo: "EXTERNAL_VIDEO",
  Model3d: "MODEL_3D",
} as const;

export type MediaContentType = (typeof MEDIA_CONTENT_TYPES)[keyof typeof MEDIA_CONTENT_TYPES];

/** A video or 3D model, with the fields Shopify's schema requires (the local store keeps no bytes of them). */
function otherMediaView(f: FileRecord, common: Record<string, unknown>) {
  const media = {
    ...common,
    status: f.status,
    mediaContentType: MEDIA_CONTENT_TYPES[f.typename as keyof typeof MEDIA_CONTENT_TYPES],
    mediaErrors: errorsView(f),
    mediaWarnings: [],
    preview: { status: f.status, image: null },
  };
  const mimeType = f.mimeType ?? "application/octet-stream";
  const format = f.filename.split(".").pop() ?? "";
  switch (f.typename) {
    case "Video": {
      const source = {
        url: f.originalSource,
        mimeType,
        format,
        width: f.width ?? 1920,
        height: f.height ?? 1080,
        fileSize: f.fileSize,
      };
      return {
        __typename: "Video",
        ...media,
        filename: f.filename,
        duration: null,
        sources: f.status === "READY" ? [source] : [],
        originalSource: source,
      };
    }
    case "ExternalVideo":
      return {
        __typename: "ExternalVideo",
        ...media,
        host: /vimeo\.com$/i.test(new URL(f.originalSource).hostname) ? "VIMEO" : "YOUTUBE",
        originUrl: f.originalSource,
        embedUrl: f.originalSource,
        embeddedUrl: f.originalSource,
      };
    default: {
      const source = { url: f.originalSource, mimeType, format, filesize: f.fileSize ?? 0 };
      return {
        __typename: "Model3d",
        ...media,
        filename: f.filename,
        boundingBox: null,
        sources: f.status === "READY" ? [source] : [],
        originalSource: source,
      };
    }
  }
}

/** A file record as the schema's MediaImage (also File and Media), Video, ExternalVideo, Model3d or GenericFile. */
export function fileView(ctx: Ctx, f: FileRecord, shop: ShopRecord = ctx.shop) {
  const ready = f.status === "READY";
  const common = {
    id: gid(f.typename, f.id),
    alt: f.alt,
    createdAt: f.createdAt,
    updatedAt: f.updatedAt,
    fileStatus: f.status,
    fileErrors: errorsView(f),
    mimeType: f.mimeType,
  };
  if (f.typename === "Video" || f.typename === "ExternalVideo" || f.typename === "Model3d")
    return otherMediaView(f, common);
  if (f.typename === "GenericFile") {
    return {
      __typename: "GenericFile",
      ...common,
      url: ready && f.blob ? ctx.store.imageUrl(shop, f) : null,
      originalFileSize: f.fileSize,
      preview: { status: f.status, image: null },
    };
  }
  const image = ready ? imageView(ctx, shop, f) : null;
  return {
    __typename: "MediaImage",
    ...common,
    status: f.status,
    mediaContentType: "IMAGE",
    mediaErrors: errorsView(f),
    mediaWarnings: [],
    image,
    preview: { status: f.status, image },
    originalSource: { url: /^https?:/.test(f.originalSource) ? f.originalSource : null, fileSize: f.fileSize },
  };
}

export function filesOf(shop: ShopRecord, ids: number[]): FileRecord[] {
  return ids.map((id) => shop.files.find((f) => f.id === id)).filter((f): f is FileRecord => !!f);
}

/** A new file from an originalSource; processing (UPLOADED → PROCESSING → READY/FAILED) starts right away. */
export function createFile(
  ctx: Ctx,
  input: { originalSource: string; alt?: string | null; filename?: string | null; typename: FileRecord["typename"] },
): FileRecord {
  const at = nowIso();
  let filename = input.filename ?? "";
  if (!filename) {
    try {
      filename = decodeURIComponent(new URL(input.originalSource).pathname.split("/").pop() ?? "") || "file";
    } catch {
      filename = "file";
    }
  }
  const file: FileRecord = {
    id: newId(ctx.store.state),
    typename: input.typename,
    filename,
    alt: input.alt ?? null,
    status: "UPLOADED",
    errors: [],
    mimeType: null,
    originalSource: input.originalSource,
    blob: null,
    fileSize: null,
    width: null,
    height: null,
    productIds: [],
    createdAt: at,
    updatedAt: at,
  };
  ctx.shop.files.push(file);
  startProcessing(ctx.store, ctx.shop, file);
  return file;
}

const OTHER_MEDIA_TYPENAMES = { VIDEO: "Video", EXTERNAL_VIDEO: "ExternalVideo", MODEL_3D: "Model3d" } as const;
const OTHER_MEDIA_MIME_TYPES: Record<string, string> = {
  mp4: "video/mp4",
  mov: "video/quicktime",
  webm: "video/webm",
  glb: "model/gltf-binary",
  gltf: "model/gltf+json",
  usdz: "model/vnd.usdz+zip",
};

/**
 * A product video, external (YouTube, Vimeo) video or 3D model. The local store keeps no bytes of
 * them and does not process them: they are READY at once, which is all the app needs to see that a
 * product's media are not photos.
 */
export function createOtherMedia(
  ctx: Ctx,
  input: { originalSource: string; alt?: string | null; mediaContentType: keyof typeof OTHER_MEDIA_TYPENAMES },
): FileRecord {
  const at = nowIso();
  const url = new URL(input.originalSource);
  const filename = decodeURIComponent(url.pathname.split("/").pop() ?? "") || "media";
  const file: FileRecord = {
    id: newId(ctx.store.state),
    typename: OTHER_MEDIA_TYPENAMES[input.mediaContentType],
    filename,
    alt: input.alt ?? null,
    status: "READY",
    errors: [],
    mimeType:
      input.mediaContentType === "EXTERNAL_VIDEO"
        ? null
        : (OTHER_MEDIA_MIME_TYPES[filename.split(".").pop()!.toLowerCase()] ?? "application/octet-stream"),
    originalSource: input.originalSource,
    blob: null,
    fileSize: null,
    width: null,
    height: null,
    productIds: [],
    createdAt: at,
    updatedAt: at,
  };
  ctx.shop.files.push(file);
  return file;
}

/** Shopify takes external videos from YouTube and Vimeo only. */
export function isExternalVideoUrl(source: string): boolean {
  try {
    return /(^|\.)(youtube\.com|youtu\.be|vimeo\.com)$/i.test(new URL(source).hostname);
  } catch {
    return false;
  }
}

function validSourceUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}

interface FileCreateInput {
  originalSource: string;
  alt?: string | null;
  contentType?: "IMAGE" | "FILE" | "VIDEO" | "EXTERNAL_VIDEO" | "MODEL_3D" | null;
  filename?: string | null;
  duplicateResolutionMode?: string | null;
}

interface FileUpdateInput {
  id: string;
  alt?: string | null;
  originalSource?: string | null;
  previewImageSource?: string | null;
  filename?: string | null;
  referencesToAdd?: string[] | null;
  referencesToRemove?: string[] | null;
}

type FilesUserError = { field: string[]; message: string; code: string };

export const mediaQueries = {
  files(args: ConnectionArgs & { query?: string | null }, ctx: Ctx) {
    if (args.query) throw notImplemented("The `query` argument of Query.files");
    return connection(ctx.shop.files, args, (f) => fileView(ctx, f), ctx.bulk);
  },
};

export const mediaMutations = {
  fileCreate(args: { files: FileCreateInput[] }, ctx: Ctx) {
    const userErrors: FilesUserError[] = [];
    args.files.forEach((input, i) => {
      if (!validSourceUrl(input.originalSource)) {
        userErrors.push({
          field: ["files", String(i), "originalSource"],
          message: "Image URL is invalid",
          code: "INVALID_IMAGE_SOURCE_URL",
        });
      }
      if (input.contentType && input.contentType !== "IMAGE" && input.contentType !== "FILE") {
        throw notImplemented(`fileCreate with contentType ${input.contentType}`);
      }
      if ((input.alt ?? "").length > MAX_ALT_LENGTH) {
        userErrors.push({
          field: ["files", String(i), "alt"],
          message: `Alt value exceeds the ${MAX_ALT_LENGTH} character limit`,
          code: "ALT_VALUE_LIMIT_EXCEEDED",
        });
      }
    });
    if (userErrors.length) return { files: null, userErrors };
    const files = args.files.map((input) => {
      const isImage =
        input.contentType === "IMAGE" ||
        (!input.contentType && /\.(jpe?g|png|gif|webp)(\?|$)/i.test(input.originalSource));
      return createFile(ctx, {
        originalSource: input.originalSource,
        alt: input.alt,
        filename: input.filename,
        typename: isImage ? "MediaImage" : "GenericFile",
      });
    });
    ctx.store.changed();
    return { files: files.map((f) => fileView(ctx, f)), userErrors: [] };
  },

  fileUpdate(args: { files: FileUpdateInput[] }, ctx: Ctx) {
    const userErrors: FilesUserError[] = [];
    const plans = args.files.map((input, i) => {
      const field = (name: string) => ["files", String(i), name];
      if (input.originalSource || input.previewImageSource || input.filename) {
        throw notImplemented("fileUpdate of originalSource, previewImageSource or filename");
      }
      const ref = parseGid(input.id);
      const file =
        ref && (ref.type === "MediaImage" || ref.type === "GenericFile")
          ? ctx.shop.files.find((f) => f.id === ref.id)
          : undefined;
      if (!file) {
        userErrors.push({
          field: field("id"),
          message: `File id ${input.id} does not exist.`,
          code: "FILE_DOES_NOT_EXIST",
        });
        return null;
      }
      if (file.status !== "READY") {
        userErrors.push({ field: field("id"), message: "Non-ready files cannot be updated.", code: "NON_READY_STATE" });
      }
      if (input.alt != null && input.alt.length > MAX_ALT_LENGTH) {
        userErrors.push({
          field: field("alt"),
          message: `Alt value exceeds the ${MAX_ALT_LENGTH} character limit`,
          code: "ALT_VALUE_LIMIT_EXCEEDED",
        });
      }
      const resolveProducts = (ids: string[] | null | undefined, name: string) =>
        (ids ?? []).map((id) => {
          const g = parseGid(id);
          const product = g?.type === "Product" ? ctx.shop.products.find((p) => p.id === g.id) : undefined;
          if (!product)
            userErrors.push({
              field: field(name),
              message: `Reference ${id} does not exist.`,
              code: "REFERENCE_TARGET_DOES_NOT_EXIST",
            });
          else if (file.typename !== "MediaImage")
            userErrors.push({
              field: field(name),
              message: "Only images can be referenced by products.",
              code: "UNSUPPORTED_FILE_REFERENCE",
            });
          else if (
            name === "referencesToAdd" &&
            !product.mediaIds.includes(file.id) &&
            product.mediaIds.length >= MAX_MEDIA_PER_PRODUCT
          ) {
            userErrors.push({
              field: field(name),
              message: `A product can have at most ${MAX_MEDIA_PER_PRODUCT} media.`,
              code: "PRODUCT_MEDIA_LIMIT_EXCEEDED",
            });
          }
          return product;
        });
      return {
        file,
        input,
        add: resolveProducts(input.referencesToAdd, "referencesToAdd"),
        remove: resolveProducts(input.referencesToRemove, "referencesToRemove"),
      };
    });
    if (userErrors.length) return { files: null, userErrors };

    const touched = new Set<number>();
    const at = nowIso();
    for (const plan of plans) {
      const { file, input } = plan!;
      if (input.alt !== undefined) file.alt = input.alt;
      for (const p of plan!.add) {
        if (!p || p.mediaIds.includes(file.id)) continue;
        p.mediaIds.push(file.id);
        file.productIds.push(p.id);
        touched.add(p.id);
      }
      for (const p of plan!.remove) {
        if (!p || !p.mediaIds.includes(file.id)) continue;
        p.mediaIds = p.mediaIds.filter((id) => id !== file.id);
        file.productIds = file.productIds.filter((id) => id !== p.id);
        touched.add(p.id);
      }
      for (const pid of file.productIds) touched.add(pid);
      file.updatedAt = at;
    }
    for (const pid of touched) {
      const p = ctx.shop.products.find((x) => x.id === pid);
      if (!p) continue;
      p.updatedAt = at;
      ctx.store.productWebhook("products/update", ctx.shop, p);
    }
    ctx.store.changed();
    return { files: plans.map((plan) => fileView(ctx, plan!.file)), userErrors: [] };
  },
  /** Deletes files; a product image goes from its product's media too. */
  fileDelete(args: { fileIds: string[] }, ctx: Ctx) {
    const userErrors: FilesUserError[] = [];
    const files = args.fileIds.map((id, i) => {
      const ref = parseGid(id);
      const file = ref ? ctx.shop.files.find((f) => f.id === ref.id && f.typename === ref.type) : undefined;
      if (!file)
        userErrors.push({
          field: ["fileIds", String(i)],
          message: `File id ${id} does not exist.`,
          code: "FILE_DOES_NOT_EXIST",
        });
      return file;
    });
    if (userErrors.length) return { deletedFileIds: null, userErrors };
    const at = nowIso();
    for (const file of files) {
      ctx.shop.files = ctx.shop.files.filter((f) => f !== file);
      for (const p of ctx.shop.products) {
        if (!p.mediaIds.includes(file!.id)) continue;
        p.mediaIds = p.mediaIds.filter((id) => id !== file!.id);
        p.updatedAt = at;
        ctx.store.productWebhook("products/update", ctx.shop, p);
      }
    }
    ctx.store.changed();
    return { deletedFileIds: args.fileIds, userErrors: [] };
  },
};
