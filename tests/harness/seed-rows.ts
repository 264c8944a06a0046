// A product's request and its images as rows, written directly: for tests of what the worker or the reconciler
// does with rows in a given state.
import { randomUUID } from "node:crypto";
import type { Prisma, PrismaClient } from "../../lib/db";

/** A product (subject) of `shop` and one request for it, "succeeded" unless `generation` says otherwise. */
export async function seedRequest(
  client: PrismaClient,
  shop: string,
  generation: Partial<Prisma.GenerationUncheckedCreateInput> = {},
  subject: Partial<Prisma.SubjectUncheckedCreateInput> = {},
) {
  const subjectRow = await client.subject.create({
    data: {
      shop,
      productId: `gid://shopify/Product/${randomUUID()}`,
      productTitle: "Teapot",
      classNoun: "teapot",
      identifierToken: "<myteapot>",
      ...subject,
    },
  });
  const generationRow = await client.generation.create({
    data: { shop, subjectId: subjectRow.id, scenes: "[]", imagesPerScene: 1, status: "succeeded", ...generation },
  });
  return { subject: subjectRow, generation: generationRow };
}

/** One image of that request, in `state`. */
export function seedImage(
  client: PrismaClient,
  request: { generation: { id: string; shop: string; subjectId: string } },
  state: string,
  extra: Partial<Prisma.CandidateUncheckedCreateInput> = {},
) {
  const { id, shop, subjectId } = request.generation;
  return client.candidate.create({
    data: {
      shop,
      generationId: id,
      subjectId,
      sceneId: "g7",
      sceneKind: "general",
      prompt: "p",
      seed: 0,
      imageBlobKey: `shops/${shop}/c.png`,
      state,
      ...extra,
    },
  });
}
