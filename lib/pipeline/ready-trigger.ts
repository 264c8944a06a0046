// The Shopify Flow trigger "Scene images ready for review" (extensions/scene-images-ready): sent
// once per scene request that finishes, so a merchant's workflow can tell someone while SceneBooth is
// closed. Once: the request's row is claimed (readyTriggerAt) before the Admin API call, so a retried
// stage does not send it again; a failed call gives the claim back and fails the stage, whose retry
// sends it then.
import { forShop, type PrismaClient } from "../db";
import type { AdminClient } from "../shopify-admin/client";
import { FlowTriggerReceiveDocument } from "../shopify-admin/generated";

/** The trigger's handle in its shopify.extension.toml. */
export const READY_TRIGGER_HANDLE = "scene-images-ready";

export class FlowTriggerError extends Error {
  override name = "FlowTriggerError";
}

export interface ReadyTriggerPayload {
  product_id: number;
  "Images to review": number;
  "Images made": number;
  "Review URL": string;
  "Request ID": string;
}

/** Where the merchant reviews the images: the product's studio, opened in the shop's admin. */
export function reviewUrl(shop: string, apiKey: string, productGid: string): string {
  const id = productGid.split("/").pop()!;
  return `https://${shop}/admin/apps/${encodeURIComponent(apiKey)}/app/products/${id}`;
}

/** Sends the trigger for a finished request unless it was sent already; true when this call sent it. */
export async function sendReadyTrigger(
  client: PrismaClient,
  admin: AdminClient,
  shop: string,
  generationId: string,
  apiKey: string,
): Promise<boolean> {
  const db = forShop(client, shop);
  const claimed = await db.generation.updateMany({
    where: { id: generationId, status: "succeeded", readyTriggerAt: null },
    data: { readyTriggerAt: new Date() },
  });
  if (claimed.count === 0) return false;
  try {
    const generation = await db.generation.findUniqueOrThrow({
      where: { id: generationId },
      include: { subject: true },
    });
    const [made, toReview] = await Promise.all([
      db.candidate.count({ where: { generationId } }),
      db.candidate.count({ where: { generationId, selected: true, state: "pending" } }),
    ]);
    const payload: ReadyTriggerPayload = {
      product_id: Number(generation.subject.productId.split("/").pop()),
      "Images to review": toReview,
      "Images made": made,
      "Review URL": reviewUrl(shop, apiKey, generation.subject.productId),
      "Request ID": generationId,
    };
    const { flowTriggerReceive } = await admin.request(FlowTriggerReceiveDocument, {
      handle: READY_TRIGGER_HANDLE,
      payload,
    });
    const errors = flowTriggerReceive?.userErrors ?? [];
    if (errors.length)
      throw new FlowTriggerError(`Shopify Flow refused the trigger: ${errors.map((e) => e.message).join("; ")}`);
    return true;
  } catch (error) {
    await db.generation.update({ where: { id: generationId }, data: { readyTriggerAt: null } });
    throw error;
  }
}
