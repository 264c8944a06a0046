// Everything SceneBooth keeps about one product, deleted when the merchant deletes the product in
// Shopify (products/delete): its open requests are stopped, its queued jobs removed, its rows and its
// blobs (photos, weights, generated images: one prefix per subject) deleted. Usage records stay:
// they are the shop's billing history. Idempotent, like deleteShopData.
import { forShop } from "../db";
import { generationRoot } from "../pipeline/flow";
import { publishChainJobIds, removePublishChain } from "../pipeline/review";
import { blobKey } from "../storage";
import type { LifecycleDeps } from "./shop-data";

export interface ProductDeletionReport {
  /** Open requests marked cancelRequested (a running stage stops at its next check; the row is gone then). */
  cancelledGenerations: number;
  jobsRemoved: number;
  /** Jobs a worker was running: they find their rows gone and stop without charging. */
  jobsKept: number;
  deleted: {
    subjects: number;
    generations: number;
    candidates: number;
    tuningRuns: number;
    trainingImages: number;
    blobs: number;
  };
}

export async function deleteProductData(
  { client, store, producers }: LifecycleDeps,
  shop: string,
  productId: string,
): Promise<ProductDeletionReport> {
  const db = forShop(client, shop);
  const report: ProductDeletionReport = {
    cancelledGenerations: 0,
    jobsRemoved: 0,
    jobsKept: 0,
    deleted: { subjects: 0, generations: 0, candidates: 0, tuningRuns: 0, trainingImages: 0, blobs: 0 },
  };
  const subject = await db.subject.findFirst({
    where: { productId },
    include: { generations: { select: { id: true } }, candidates: { select: { id: true } } },
  });
  if (!subject) return report;

  report.cancelledGenerations = (
    await db.generation.updateMany({
      where: { subjectId: subject.id, status: { in: ["queued", "running"] } },
      data: { cancelRequested: true },
    })
  ).count;
  const count = (removed: boolean) => (removed ? (report.jobsRemoved += 1) : (report.jobsKept += 1));
  for (const { id } of subject.generations) {
    const root = generationRoot(id);
    const job = await producers.queue(root.queue).getJob(root.jobId);
    if (job) count((await producers.queue(root.queue).remove(root.jobId, { removeChildren: true })) > 0);
  }
  for (const { id } of subject.candidates) {
    const job = await producers.queue("publish").getJob(publishChainJobIds(id).publish);
    if (job) count(await removePublishChain(producers, id));
  }

  report.deleted.blobs = await store.deleteByPrefix(`${blobKey(shop, "subjects", subject.id)}/`);
  // Children before the subject; each count says what went.
  report.deleted.candidates = (await db.candidate.deleteMany({ where: { subjectId: subject.id } })).count;
  report.deleted.generations = (await db.generation.deleteMany({ where: { subjectId: subject.id } })).count;
  report.deleted.tuningRuns = (await db.tuningRun.deleteMany({ where: { subjectId: subject.id } })).count;
  report.deleted.trainingImages = (await db.trainingImage.deleteMany({ where: { subjectId: subject.id } })).count;
  report.deleted.subjects = (await db.subject.deleteMany({ where: { id: subject.id } })).count;
  return report;
}
