// A GPU host's work folders: removed when their request ends (kept for a retry), swept when no open
// request needs them or they are too old or their shop is not installed, never while a job here uses
// them; the class-image cache and anything else that is not a shop's stays. A full disk is a clear,
// retryable stage error.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Job } from "bullmq";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPrismaClient, forShop, type PrismaClient } from "../lib/db";
import type { GenerationJob } from "../lib/queue/jobs";
import { LocalBlobStore } from "../lib/storage";
import { migratedTestDatabase } from "../tests/harness/database";
import type { StageContext } from "./stages/context";
import { asDiskFull, CancelledError, DiskFullError } from "./stages/errors";
import { stageProcessor, type StageDefinition } from "./stages/runner";
import { withWorkFolder } from "./stages/work-folder";
import { TunerProcessError } from "./tuner-process";
import { WorkFolders } from "./work-folders";
import { sweepWorkFolders } from "./workdir-sweeper";

const SHOP = "workfolders-a.myshopify.com";
const GONE = "workfolders-gone.myshopify.com";
const DAY = 24 * 3600 * 1000;
let client: PrismaClient;
let drop: () => Promise<void>;
let root: string;
let folders: WorkFolders;

beforeAll(async () => {
  const database = await migratedTestDatabase("sqlite");
  drop = database.drop;
  client = createPrismaClient(database.url);
  await client.shop.create({ data: { shop: SHOP } });
});
afterAll(async () => {
  await client?.$disconnect();
  await drop?.();
});
beforeEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = await mkdtemp(path.join(os.tmpdir(), "work-folders-"));
  folders = new WorkFolders(root);
});

/** A subject with one request in `status`; its id. */
async function subjectWith(status: string): Promise<{ subjectId: string; generationId: string }> {
  const subject = await client.subject.create({
    data: {
      shop: SHOP,
      productId: `gid://shopify/Product/${Math.random()}`,
      productTitle: "Teapot",
      classNoun: "teapot",
      identifierToken: "<myteapot>",
    },
  });
  const generation = await client.generation.create({
    data: { shop: SHOP, subjectId: subject.id, scenes: "[]", imagesPerScene: 1, status },
  });
  return { subjectId: subject.id, generationId: generation.id };
}

/** What a GPU stage leaves in a subject's folder. */
async function workFiles(shop: string, subjectId: string, { daysOld = 0 } = {}): Promise<string> {
  const dir = path.join(root, shop, subjectId);
  const file = path.join(dir, "0123456789abcdef", "photos", "p1.png");
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, "photo");
  if (daysOld) {
    const then = new Date(Date.now() - daysOld * DAY);
    for (const p of [file, path.dirname(file), path.dirname(path.dirname(file)), dir]) await utimes(p, then, then);
  }
  return dir;
}

const job = (generationId: string, attemptsMade: number) =>
  ({
    data: { shop: SHOP, generationId },
    attemptsMade,
    opts: { attempts: 3 },
    updateProgress: async () => undefined,
  }) as unknown as Job<GenerationJob>;
const stage = (run: () => Promise<void>): StageDefinition<void> => ({ name: "tune", run });

describe("sweepWorkFolders", () => {
  it("removes folders without an open request, too old, or of a shop not installed; keeps the rest", async () => {
    const open = await subjectWith("running");
    const ended = await subjectWith("succeeded");
    const stale = await subjectWith("queued");
    const held = await subjectWith("failed");
    const openDir = await workFiles(SHOP, open.subjectId);
    const endedDir = await workFiles(SHOP, ended.subjectId);
    const staleDir = await workFiles(SHOP, stale.subjectId, { daysOld: 8 });
    const heldDir = await workFiles(SHOP, held.subjectId);
    const unknownDir = await workFiles(SHOP, "subject-without-rows");
    const goneDir = await workFiles(GONE, "some-subject");
    await mkdir(path.join(root, "class-images", "teapot"), { recursive: true });
    await mkdir(path.join(root, ".removing", "left-by-a-kill"), { recursive: true });
    const release = await folders.use(SHOP, held.subjectId);

    const report = await sweepWorkFolders(client, folders, { maxAgeMs: 7 * DAY });
    release();

    expect(existsSync(openDir)).toBe(true);
    expect(existsSync(heldDir)).toBe(true);
    for (const dir of [
      endedDir,
      staleDir,
      unknownDir,
      path.dirname(goneDir),
      path.join(root, ".removing", "left-by-a-kill"),
    ])
      expect(existsSync(dir), dir).toBe(false);
    expect(existsSync(path.join(root, "class-images", "teapot"))).toBe(true);
    expect(report.removed.sort()).toEqual(
      [GONE, `${SHOP}/${ended.subjectId}`, `${SHOP}/${stale.subjectId}`, `${SHOP}/subject-without-rows`].sort(),
    );
    expect(report.inUse).toEqual([`${SHOP}/${held.subjectId}`]);
  });

  it("removes the folders of a shop that uninstalled the app, except one a job here still uses", async () => {
    const shop = "workfolders-left.myshopify.com";
    await client.shop.create({ data: { shop, uninstalledAt: new Date() } });
    const running = await workFiles(shop, "running-subject");
    const idle = await workFiles(shop, "idle-subject");
    const release = await folders.use(shop, "running-subject");
    const report = await sweepWorkFolders(client, folders, { maxAgeMs: 7 * DAY });
    release();
    expect([existsSync(running), existsSync(idle)]).toEqual([true, false]);
    expect(report.inUse).toEqual([`${shop}/running-subject`]);
  });
});

describe("WorkFolders", () => {
  it("a job taking a folder waits for its removal; a purge keeps a folder in use until the job lets go", async () => {
    const dir = await workFiles(SHOP, "s1");
    const removal = folders.removeSubject(SHOP, "s1");
    const release = await folders.use(SHOP, "s1");
    expect(await removal).toBe("removed");
    await workFiles(SHOP, "s1");
    expect(await folders.removeShop(SHOP)).toEqual({ removed: 0, kept: ["s1"] });
    expect(existsSync(dir)).toBe(true);
    // The purged shop's folder goes as soon as the job lets go of it.
    release();
    for (let i = 0; i < 100 && existsSync(path.join(root, SHOP)); i++) await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(path.join(root, SHOP))).toBe(false);
  });

  it("refuses names that are not a shop domain or a subject id", () => {
    expect(() => folders.shopDir("../etc")).toThrow("not a shop domain");
    expect(() => folders.subjectDir(SHOP, "../other")).toThrow("not a subject id");
  });
});

describe("a GPU stage's work folder", () => {
  const ctx = (generationId: string, attemptsMade = 0) =>
    ({
      shop: SHOP,
      generationId,
      db: forShop(client, SHOP),
      job: job(generationId, attemptsMade),
      log: () => undefined,
    }) as unknown as StageContext;

  it("is removed after the request's last GPU stage, and kept after an earlier one", async () => {
    const { subjectId, generationId } = await subjectWith("running");
    const dir = await workFiles(SHOP, subjectId);
    await withWorkFolder(
      stage(async () => {}),
      folders,
      { lastToUseIt: false },
    ).run(ctx(generationId));
    expect(existsSync(dir)).toBe(true);
    await withWorkFolder(
      stage(async () => {}),
      folders,
      { lastToUseIt: true },
    ).run(ctx(generationId));
    expect(existsSync(dir)).toBe(false);
  });

  it("is kept for a retry, and removed when the request ends: cancelled, or failed on its last try", async () => {
    const { subjectId, generationId } = await subjectWith("running");
    const dir = await workFiles(SHOP, subjectId);
    const failing = (error: Error) =>
      withWorkFolder(
        stage(async () => {
          expect(folders.inUse(dir)).toBe(true);
          throw error;
        }),
        folders,
        { lastToUseIt: false },
      );
    await expect(failing(new Error("tuner crashed")).run(ctx(generationId, 0))).rejects.toThrow("tuner crashed");
    expect(existsSync(dir)).toBe(true);
    await expect(failing(new Error("tuner crashed")).run(ctx(generationId, 2))).rejects.toThrow("tuner crashed");
    expect(existsSync(dir)).toBe(false);
    await workFiles(SHOP, subjectId);
    await expect(failing(new CancelledError()).run(ctx(generationId, 0))).rejects.toThrow(CancelledError);
    expect(existsSync(dir)).toBe(false);
  });
});

describe("disk full", () => {
  const enospc = () => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });

  it("is recognised from Node's fs (ENOSPC, EDQUOT) and from the tuner", () => {
    expect(asDiskFull(enospc())).toBeInstanceOf(DiskFullError);
    expect(asDiskFull(Object.assign(new Error("quota"), { code: "EDQUOT" }))).toBeInstanceOf(DiskFullError);
    const tuner = new TunerProcessError("internal", "OSError: [Errno 28] No space left on device: '/w/train'");
    expect(asDiskFull(tuner)?.retryable).toBe(true);
    expect(asDiskFull(new TunerProcessError("bad_input", "images: not a readable image"))).toBeNull();
    expect(asDiskFull(Object.assign(new Error("gone"), { code: "ENOENT" }))).toBeNull();
  });

  it("is retried as a disk-full stage error, and on the last try the merchant gets a plain message", async () => {
    const { generationId } = await subjectWith("running");
    const store = new LocalBlobStore({ rootDir: root, publicBaseUrl: "http://app.test", signingKey: "k" });
    const processor = stageProcessor(
      stage(async () => {
        throw enospc();
      }),
      { client, store, log: () => undefined },
    );
    const retried = await processor(job(generationId, 0)).catch((e: Error) => e);
    expect(retried).toBeInstanceOf(DiskFullError);
    expect((await client.generation.findUniqueOrThrow({ where: { id: generationId } })).status).toBe("running");

    await expect(processor(job(generationId, 2))).rejects.toThrow("disk full");
    const failed = await client.generation.findUniqueOrThrow({ where: { id: generationId } });
    expect([failed.status, failed.error]).toEqual([
      "failed",
      "Our servers ran out of disk space while learning your product. Please try again later; if it keeps failing, contact support.",
    ]);
  });
});
