import type { PrismaClient } from "../../lib/db";
import { parseGenerationOptions } from "../../lib/pipeline/request-scenes";
import {
  ImageDownloadError,
  ProductWithMediaDocument,
  downloadImage,
  type AdminClient,
  type ProductWithMediaQuery,
} from "../../lib/shopify-admin";
import { blobKey, storedBlobKey } from "../../lib/storage";
import { NO_PHOTOS_ONLY_OTHER_MEDIA } from "../../lib/products";
import { MerchantActionError } from "./errors";
import type { StageDefinition } from "./runner";

export interface IngestOutput {
  photos: number;
  downloaded: number;
  alreadyStored: number;
  unusable: Array<{ mediaId: string; reason: string }>;
}

interface ProductImage {
  mediaId: string;
  url: string;
}

/** Every image of the product, all pages of its media. */
async function productImages(
  admin: AdminClient,
  productId: string,
): Promise<{ title: string; images: ProductImage[]; mediaCount: number }> {
  const images: ProductImage[] = [];
  let after: string | null = null;
  let title = "";
  for (;;) {
    const { product }: ProductWithMediaQuery = await admin.request(ProductWithMediaDocument, {
      id: productId,
      mediaFirst: 50,
      mediaAfter: after,
    });
    if (!product) throw new MerchantActionError("product_missing", "This product no longer exists in your store.");
    title = product.title;
    for (const media of product.media.nodes) {
      if ("image" in media && media.image?.url) images.push({ mediaId: media.id, url: media.image.url });
    }
    // mediaCount counts videos and 3D models too; the query above lists images only.
    if (!product.media.pageInfo.hasNextPage) return { title, images, mediaCount: product.mediaCount?.count ?? 0 };
    after = product.media.pageInfo.endCursor;
  }
}

/** Download failures that are about the file itself (retrying would not help). */
function isUnusableFile(error: ImageDownloadError): boolean {
  if (error.code === "http") return !/HTTP 5\d\d|HTTP 429/.test(error.message);
  return (
    error.code === "too-large" ||
    error.code === "not-an-image" ||
    error.code === "type-not-allowed" ||
    error.code === "source-not-allowed"
  );
}

/** Stage 1: read the product's media through the Admin API and store the originals under the shop's prefix. */
export function ingestStage(
  adminFor: (client: PrismaClient, shop: string) => Promise<AdminClient>,
  client: PrismaClient,
): StageDefinition<IngestOutput> {
  return {
    name: "ingest",
    async run(ctx) {
      const generation = await ctx.db.generation.findUniqueOrThrow({
        where: { id: ctx.generationId },
        include: { subject: true },
      });
      const admin = await adminFor(client, ctx.shop);
      const { title, images: all, mediaCount } = await productImages(admin, generation.subject.productId);
      const wanted = parseGenerationOptions(generation.options).mediaIds;
      // Scene images SceneBooth published are product media too: never learn from them.
      const published = new Set(
        (
          await ctx.db.candidate.findMany({
            where: { publishedMediaId: { not: null } },
            select: { publishedMediaId: true },
          })
        ).map((c) => c.publishedMediaId),
      );
      const images = (wanted ? all.filter((image) => wanted.includes(image.mediaId)) : all).filter(
        (image) => !published.has(image.mediaId) && !/\/scenebooth-[^/]+$/.test(new URL(image.url).pathname),
      );
      if (all.length === 0 && mediaCount > 0) throw new MerchantActionError("no_photos", NO_PHOTOS_ONLY_OTHER_MEDIA);
      if (images.length === 0) {
        throw new MerchantActionError(
          "no_photos",
          "This product has no photos yet. Add 5–7 photos of it (at least 3), then start again.",
        );
      }
      if (title !== generation.subject.productTitle) {
        await ctx.db.subject.update({ where: { id: generation.subjectId }, data: { productTitle: title } });
      }

      const output: IngestOutput = { photos: images.length, downloaded: 0, alreadyStored: 0, unusable: [] };
      for (const [index, image] of images.entries()) {
        await ctx.progress(index / images.length);
        const where = {
          shop_subjectId_sourceMediaId: {
            shop: ctx.shop,
            subjectId: generation.subjectId,
            sourceMediaId: image.mediaId,
          },
        };
        const existing = await ctx.db.trainingImage.findUnique({ where });
        if (existing && (await ctx.store.exists(storedBlobKey(existing.originalBlobKey, ctx.shop)))) {
          output.alreadyStored += 1;
          continue;
        }
        const key = blobKey(ctx.shop, "subjects", generation.subjectId, "originals", image.mediaId.split("/").pop()!);
        try {
          const downloaded = await downloadImage(image.url);
          await ctx.store.put(key, downloaded.bytes, { contentType: downloaded.mimeType });
          output.downloaded += 1;
          await ctx.db.trainingImage.upsert({
            where,
            create: {
              shop: ctx.shop,
              subjectId: generation.subjectId,
              sourceMediaId: image.mediaId,
              originalBlobKey: key,
            },
            update: { originalBlobKey: key, preparedBlobKey: null, excluded: false, excludedReason: null },
          });
        } catch (error) {
          if (!(error instanceof ImageDownloadError) || !isUnusableFile(error)) throw error;
          const reason = `The file could not be used: ${error.message}`;
          output.unusable.push({ mediaId: image.mediaId, reason });
          await ctx.db.trainingImage.upsert({
            where,
            create: {
              shop: ctx.shop,
              subjectId: generation.subjectId,
              sourceMediaId: image.mediaId,
              originalBlobKey: key,
              excluded: true,
              excludedReason: reason,
            },
            update: { excluded: true, excludedReason: reason },
          });
        }
      }
      // Photos no longer on the product (or not chosen this time) leave the training set.
      const stale = await ctx.db.trainingImage.findMany({
        where: { subjectId: generation.subjectId, sourceMediaId: { notIn: images.map((image) => image.mediaId) } },
      });
      for (const row of stale) {
        for (const key of [row.originalBlobKey, row.preparedBlobKey])
          if (key) await ctx.store.delete(storedBlobKey(key, ctx.shop));
      }
      await ctx.db.trainingImage.deleteMany({ where: { id: { in: stale.map((row) => row.id) } } });
      return output;
    },
  };
}
