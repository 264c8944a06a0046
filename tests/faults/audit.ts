// Audits of the whole test stack after a fault: what was lost (requests that vanished or ended
// without a state or reason, photos and candidates gone), what was duplicated (media published twice,
// extra candidates, open requests or tunings), and rows or blobs that name another shop.
import { existsSync } from "node:fs";
import path from "node:path";
import type { JobType } from "bullmq";
import { PIPELINE_STAGES, stageIndex, stageJobId, type PipelineStage } from "../../lib/pipeline/stages";
import { QUEUE_NAMES, type QueueKey } from "../../lib/queue/jobs";
import type { Producers } from "../../lib/queue/producer";
import type { TestStack } from "../harness/stack";
import type { AuditFindings } from "./fault-case";

const LIVE: JobType[] = ["waiting", "prioritized", "delayed", "waiting-children", "paused", "active"];
const OPEN = ["queued", "running"];
const PUBLISHING = ["approved", "upscaling", "publishing"];

/** Ids of every job that is still going to run (or running). */
async function liveJobIds(producers: Producers): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const key of Object.keys(QUEUE_NAMES) as QueueKey[]) {
    for (const job of await producers.queue(key).getJobs(LIVE, 0, -1)) if (job?.id) ids.add(job.id);
  }
  return ids;
}

function blobExists(stack: TestStack, key: string | null): boolean {
  return key !== null && existsSync(path.join(stack.env.STORAGE_DIR!, key));
}

const SCENEBOOTH_FILE = /^scenebooth-([^.]+)\.\w+$/;

export async function auditStack(stack: TestStack, producers: Producers): Promise<AuditFindings> {
  const found: AuditFindings = { lost: [], duplicates: [], crossShop: [] };
  const live = await liveJobIds(producers);
  const subjects = await stack.db.subject.findMany({
    include: {
      generations: { include: { candidates: true }, orderBy: { createdAt: "asc" } },
      trainingImages: true,
      tuningRuns: true,
    },
  });

  for (const subject of subjects) {
    const product = `${subject.shop} ${subject.productTitle}`;
    const blobOfOtherShop = (key: string | null) => key !== null && !key.startsWith(`shops/${subject.shop}/`);

    // Requests: every one ends with a state, a failure with its reason, and an open one has a job.
    const open = subject.generations.filter((g) => OPEN.includes(g.status));
    if (open.length > 1)
      found.duplicates.push(`${product}: ${open.length} open requests (${open.map((g) => g.id).join(", ")})`);
    for (const g of subject.generations) {
      const label = `${product}: request ${g.id}`;
      if (OPEN.includes(g.status) && !PIPELINE_STAGES.some((s) => live.has(stageJobId(g.id, s.name)))) {
        found.lost.push(`${label} is ${g.status} (stage ${g.stage ?? "none"}) with no job left to run it`);
      }
      if (g.status === "failed" && !g.error?.trim()) found.lost.push(`${label} failed without a reason`);
      const expected = (JSON.parse(g.scenes) as unknown[]).length * g.imagesPerScene;
      if (g.status === "succeeded" && g.candidates.length < expected)
        found.lost.push(`${label}: ${expected - g.candidates.length} of ${expected} images missing`);
      if (g.candidates.length > expected)
        found.duplicates.push(`${label}: ${g.candidates.length} images for ${expected} asked`);
      const seen = new Set<string>();
      for (const c of g.candidates) {
        const slot = `${c.sceneId}/${c.seed}`;
        if (seen.has(slot)) found.duplicates.push(`${label}: two images for scene ${c.sceneId}, seed ${c.seed}`);
        seen.add(slot);
      }
    }

    // Photos: each is kept (prepared crop stored) or refused with a reason, once the request got that far.
    const latest = subject.generations.at(-1);
    const pastPrepare =
      latest &&
      (latest.status === "succeeded" ||
        (latest.stage !== null && stageIndex(latest.stage as PipelineStage) > stageIndex("prepare")));
    for (const t of subject.trainingImages) {
      const label = `${product}: photo ${t.sourceMediaId}`;
      if (blobOfOtherShop(t.originalBlobKey) || blobOfOtherShop(t.preparedBlobKey))
        found.crossShop.push(`${label} is stored under another shop's prefix`);
      if (t.excluded && !t.excludedReason?.trim()) found.lost.push(`${label} was left out without a reason`);
      if (!t.excluded && t.preparedBlobKey && !blobExists(stack, t.preparedBlobKey))
        found.lost.push(`${label}: its prepared crop is gone from storage`);
      if (!t.excluded && pastPrepare && !t.preparedBlobKey)
        found.lost.push(`${label} was neither prepared nor refused`);
    }
    if (latest && pastPrepare && latest.status !== "cancelled") {
      const wanted = (JSON.parse(latest.options) as { mediaIds?: string[] }).mediaIds;
      const known = new Set(subject.trainingImages.map((t) => t.sourceMediaId));
      for (const media of stack.store.control.productMedia(subject.shop, subject.productId)) {
        if (media.status !== "READY" || SCENEBOOTH_FILE.test(media.filename) || (wanted && !wanted.includes(media.id)))
          continue;
        if (!known.has(media.id))
          found.lost.push(`${product}: photo ${media.id} (${media.filename}) never reached the training set`);
      }
    }

    // Tuning: the same photos and settings are tuned once.
    const tuned = new Map<string, number>();
    for (const run of subject.tuningRuns.filter((r) => r.status === "succeeded"))
      tuned.set(run.settingsHash, (tuned.get(run.settingsHash) ?? 0) + 1);
    for (const [hash, count] of tuned)
      if (count > 1)
        found.duplicates.push(`${product}: ${count} tunings of the same photos and settings (${hash.slice(0, 12)})`);

    // Candidates: stored, published once, never stuck between approval and publishing.
    const candidates = subject.generations.flatMap((g) => g.candidates);
    for (const c of candidates) {
      const label = `${product}: image ${c.id}`;
      if (blobOfOtherShop(c.imageBlobKey) || blobOfOtherShop(c.upscaledBlobKey))
        found.crossShop.push(`${label} is stored under another shop's prefix`);
      if (!blobExists(stack, c.imageBlobKey)) found.lost.push(`${label}: its file is gone from storage`);
      if (PUBLISHING.includes(c.state) && !live.has(`${c.id}-publish`) && !live.has(`${c.id}-upscale`))
        found.lost.push(`${label} is ${c.state} with no job left to publish it`);
      if (c.state === "failed" && !c.error?.trim()) found.lost.push(`${label} failed without a reason`);
    }
    const media = stack.store.control.productMedia(subject.shop, subject.productId);
    const mediaIds = new Set(media.map((m) => m.id));
    for (const c of candidates) {
      if (c.state === "published" && (!c.publishedMediaId || !mediaIds.has(c.publishedMediaId)))
        found.lost.push(
          `${product}: image ${c.id} is published as ${c.publishedMediaId}, which the product does not have`,
        );
      if (c.state === "removed" && c.publishedMediaId && mediaIds.has(c.publishedMediaId))
        found.duplicates.push(`${product}: image ${c.id} is removed, but still in the product's media`);
    }
    const perCandidate = new Map<string, number>();
    for (const m of media) {
      const id = SCENEBOOTH_FILE.exec(m.filename)?.[1];
      if (id) perCandidate.set(id, (perCandidate.get(id) ?? 0) + 1);
    }
    const byId = new Map(candidates.map((c) => [c.id, c]));
    for (const [id, count] of perCandidate) {
      if (count > 1) found.duplicates.push(`${product}: image ${id} is ${count} times in the product's media`);
      const c = byId.get(id);
      if (c && !c.publishedMediaId && !PUBLISHING.includes(c.state))
        found.duplicates.push(
          `${product}: image ${id} is in the product's media, but SceneBooth does not know (state ${c.state})`,
        );
    }
  }
  return found;
}
