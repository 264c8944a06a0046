// productReorderMedia and the Job it answers with: Shopify reorders a product's media
// asynchronously and returns a Job to poll (`job(id) { done }`); the new order shows once it is done.
import { gid, parseGid, requireGid } from "../ids";
import type { Ctx } from "../context";
import { newId, nowIso, type MediaJobRecord, type ShopRecord } from "../state";

interface MoveInput {
  id: string;
  newPosition: string;
}

type MediaUserError = { field: string[]; message: string; code: string };

/** The shop's media reorder jobs; a job is done once its moves are applied. */
function jobsOf(shop: ShopRecord): MediaJobRecord[] {
  shop.jobs ??= [];
  return shop.jobs;
}

/** Applies the moves of every job that is due (also after a restart, when its timer is gone). */
function settleJobs(ctx: Ctx, shop: ShopRecord): void {
  const now = Date.now();
  for (const job of jobsOf(shop)) {
    if (job.done || Date.parse(job.dueAt) > now) continue;
    const product = shop.products.find((p) => p.id === job.productId);
    if (product) {
      product.mediaIds = applyMoves(product.mediaIds, job.moves);
      product.updatedAt = nowIso();
      ctx.store.productWebhook("products/update", shop, product);
    }
    job.done = true;
  }
  // Finished jobs are kept a while (a late poll still finds them), not forever.
  shop.jobs = jobsOf(shop).slice(-100);
  ctx.store.changed();
}

/** Shopify's move semantics: each move in turn takes the media out and puts it at newPosition (clamped to the end). */
export function applyMoves(mediaIds: number[], moves: Array<{ id: number; position: number }>): number[] {
  const order = [...mediaIds];
  for (const move of moves) {
    const from = order.indexOf(move.id);
    if (from < 0) continue;
    order.splice(from, 1);
    order.splice(Math.min(move.position, order.length), 0, move.id);
  }
  return order;
}

export const mediaOrderQueries = {
  job(args: { id: string }, ctx: Ctx) {
    const ref = requireGid(args.id, "Job");
    settleJobs(ctx, ctx.shop);
    const job = jobsOf(ctx.shop).find((j) => j.id === ref.id);
    // Shopify answers a job id it no longer knows as done.
    return { __typename: "Job", id: args.id, done: job ? job.done : true, query: null };
  },
};

export const mediaOrderMutations = {
  productReorderMedia(args: { id: string; moves: MoveInput[] }, ctx: Ctx) {
    const mediaUserErrors: MediaUserError[] = [];
    const ref = parseGid(args.id);
    const product = ref?.type === "Product" ? ctx.shop.products.find((p) => p.id === ref.id) : undefined;
    if (!product) {
      mediaUserErrors.push({ field: ["id"], message: "Product does not exist", code: "PRODUCT_DOES_NOT_EXIST" });
      return {
        job: null,
        mediaUserErrors,
        userErrors: mediaUserErrors.map(({ field, message }) => ({ field, message })),
      };
    }
    if (args.moves.length === 0)
      mediaUserErrors.push({ field: ["moves"], message: "Moves can't be blank", code: "BLANK" });
    const moves = args.moves.flatMap((move, i) => {
      const media = parseGid(move.id);
      const position = Number(move.newPosition);
      if (!media || !product.mediaIds.includes(media.id)) {
        mediaUserErrors.push({
          field: ["moves", String(i), "id"],
          message: `Media id ${move.id} does not exist on product`,
          code: "MEDIA_DOES_NOT_EXIST_ON_PRODUCT",
        });
        return [];
      }
      if (!Number.isSafeInteger(position) || position < 0) {
        mediaUserErrors.push({
          field: ["moves", String(i), "newPosition"],
          message: "Position is invalid",
          code: "INVALID",
        });
        return [];
      }
      return [{ id: media.id, position }];
    });
    if (mediaUserErrors.length)
      return {
        job: null,
        mediaUserErrors,
        userErrors: mediaUserErrors.map(({ field, message }) => ({ field, message })),
      };

    const step = ctx.store.timing.mediaStepMs;
    const job: MediaJobRecord = {
      id: newId(ctx.store.state),
      productId: product.id,
      moves,
      dueAt: new Date(Date.now() + step).toISOString(),
      done: false,
    };
    jobsOf(ctx.shop).push(job);
    ctx.store.changed();
    const shop = ctx.shop;
    ctx.store.schedule(step, () => settleJobs(ctx, shop));
    return {
      job: { __typename: "Job", id: gid("Job", job.id), done: false, query: null },
      mediaUserErrors: [],
      userErrors: [],
    };
  },
};
