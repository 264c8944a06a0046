import type { PrismaClient } from "../db";
import { forShop } from "../db";
import type { Producers } from "../queue/producer";
import { generationRoot } from "./flow";

export class NotFoundError extends Error {
  override name = "NotFoundError";
}

/**
 * Cancels a scene request at any stage: waiting jobs of its flow are removed now; a running stage
 * sees `cancelRequested` at its next progress report (the tuner subprocess is stopped) and ends.
 */
export async function cancelGeneration(
  client: PrismaClient,
  producers: Producers,
  shop: string,
  generationId: string,
): Promise<void> {
  const db = forShop(client, shop);
  const generation = await db.generation.findUnique({ where: { id: generationId } });
  if (!generation) throw new NotFoundError("No such scene request in this store.");
  if (!["queued", "running"].includes(generation.status)) return;
  await db.generation.update({ where: { id: generationId }, data: { cancelRequested: true } });
  const root = generationRoot(generationId);
  const queue = producers.queue(root.queue);
  // Removing the root removes the whole chain, unless a stage is running (its job is locked): that
  // stage then stops at its next progress report and its failure ends the chain.
  const removed = await queue.remove(root.jobId, { removeChildren: true }).then(
    (count) => count > 0,
    () => false,
  );
  if (removed) {
    await db.generation.update({ where: { id: generationId }, data: { status: "cancelled", finishedAt: new Date() } });
    await db.subject.update({ where: { id: generation.subjectId }, data: { state: "cancelled" } });
  }
}

/**
 * Cancels a bulk run (the requests one "Generate scenes" started for many products) as a whole:
 * each open request as cancelGeneration does, so nothing more is charged for them and what finished
 * stays. Returns how many requests it cancelled.
 */
export async function cancelBulkRun(
  client: PrismaClient,
  producers: Producers,
  shop: string,
  bulkRunId: string,
): Promise<number> {
  const db = forShop(client, shop);
  const requests = await db.generation.findMany({ where: { bulkRunId }, select: { id: true, status: true } });
  if (requests.length === 0) throw new NotFoundError("No such bulk run in this store.");
  const open = requests.filter((g) => ["queued", "running"].includes(g.status));
  for (const g of open) await cancelGeneration(client, producers, shop, g.id);
  return open.length;
}
