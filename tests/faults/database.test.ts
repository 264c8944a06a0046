// Fault suite, infrastructure faults on PostgreSQL (as production runs): the database briefly
// unavailable — its connections cut and new ones refused for a few seconds — while the worker
// works and while the merchant starts a request. (infrastructure.test.ts locks SQLite instead.)
import { PrismaPg } from "@prisma/adapter-pg";
import { afterAll, beforeAll, describe, expect } from "vitest";
import { postgresAvailability, testPostgresUrl } from "../harness/database";
import type { ProcessHandle } from "../harness/stack";
import { faultGroup } from "./fault-case";
import {
  DEMO_SHOP,
  newProduct,
  requestFor,
  runUntil,
  startFaultStack,
  storeProduct,
  waitForStage,
  type FaultStack,
  type StoreProduct,
} from "./helpers";
import { studioPost } from "./routes";

const postgres = await postgresAvailability();

let fs: FaultStack;
let worker: ProcessHandle;
let teapot: StoreProduct;
let twelve: StoreProduct;

/** Cuts every connection to the stack's database and refuses new ones for `ms`, as a failover would. */
async function databaseUnavailable(ms: number) {
  const name = new URL(fs.stack.env.DATABASE_URL!).pathname.slice(1);
  const admin = await new PrismaPg({ connectionString: testPostgresUrl }).connect();
  try {
    await admin.executeScript(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
    await admin.executeScript(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
    );
    await new Promise((r) => setTimeout(r, ms));
    await admin.executeScript(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
  } finally {
    await admin.dispose();
  }
}

describe.skipIf(!postgres.available)(
  `PostgreSQL unavailable${postgres.skipReason ? ` (${postgres.skipReason})` : ""}`,
  () => {
    beforeAll(async () => {
      fs = await startFaultStack({}, { database: "postgres" });
      worker = await fs.stack.startWorker();
      teapot = await storeProduct(fs.stack, "Teapot");
      twelve = await storeProduct(fs.stack, "Fixture: twelve photos");
    }, 180_000);
    afterAll(async () => {
      await worker?.kill("SIGKILL");
      await fs?.close();
    });

    const faultCase = faultGroup("infrastructure faults", () => fs, { part: "postgresql" });

    faultCase(
      "PostgreSQL unavailable for 5 s (connections cut and refused) while the worker prepares photos",
      { timeoutMs: 240_000 },
      async (ctx) => {
        const product = await newProduct(fs.stack, "PostgreSQL: down while preparing", twelve.photoUrls);
        const generation = await requestFor(fs, product, { allowLowDiversity: true });
        ctx.expectRequest(DEMO_SHOP, product.id, product.title);
        await waitForStage(fs.stack, generation.id, "prepare", 10);
        await databaseUnavailable(5_000);
        await runUntil(fs, generation.id, "tune");
        const photos = await fs.stack.db.trainingImage.findMany({ where: { subjectId: generation.subjectId } });
        expect(photos.filter((p) => !p.excluded && p.preparedBlobKey)).toHaveLength(7);
      },
    );

    /** Sessions PostgreSQL has seen on the stack's database (its statistics, flushed within a second). */
    async function sessionsOpened(): Promise<number> {
      const name = new URL(fs.stack.env.DATABASE_URL!).pathname.slice(1);
      const admin = await new PrismaPg({ connectionString: testPostgresUrl }).connect();
      try {
        await new Promise((r) => setTimeout(r, 1_500));
        await admin.executeScript("SELECT pg_stat_clear_snapshot()");
        const result = await admin.queryRaw({
          sql: `SELECT sessions FROM pg_stat_database WHERE datname = '${name}'`,
          args: [],
          argTypes: [],
        });
        return Number(result.rows[0]![0]);
      } finally {
        await admin.dispose();
      }
    }

    faultCase(
      "/healthz hit 30 times, then with PostgreSQL unavailable: no connection per hit, a bounded 503 that names no host or error",
      { short: true, timeoutMs: 120_000 },
      async () => {
        const before = await sessionsOpened();
        const healthz = () => fetch(new URL("/healthz", fs.stack.appUrl));
        for (let i = 0; i < 30; i++) expect((await healthz()).status).toBe(200);
        // The app's own pool answers the probe (before: a new pool, so a new session, per hit).
        expect((await sessionsOpened()) - before).toBeLessThanOrEqual(1);
        // Past the 5 s the last answer is reused, the database is probed again.
        const down = databaseUnavailable(12_000);
        await new Promise((r) => setTimeout(r, 5_500));
        const started = Date.now();
        const answer = await healthz();
        const body = await answer.text();
        await down;
        expect([answer.status, body]).toEqual([503, JSON.stringify({ ok: false })]);
        // The probe gives up after 2 s; the pool alone would wait 10 s for the database to come back.
        expect(Date.now() - started).toBeLessThan(9_000);
      },
    );

    const startRequest = (productId: string) =>
      studioPost(fs.stack, productId, {
        intent: "start",
        imagesPerScene: "1",
        sceneId: "g7",
        classNoun: "teapot",
        allowLowDiversity: "on",
      });

    faultCase(
      "PostgreSQL unavailable for 5 s while the merchant starts a request: the app waits it out",
      { short: true, timeoutMs: 120_000 },
      async (ctx) => {
        const product = await newProduct(fs.stack, "PostgreSQL: down at start", teapot.photoUrls.slice(0, 4));
        const down = databaseUnavailable(5_000);
        await new Promise((r) => setTimeout(r, 300));
        const answer = await startRequest(product.id);
        await down;
        expect(answer.status).toBe(200);
        expect(await answer.json()).toMatchObject({ ok: true });
        ctx.expectRequest(DEMO_SHOP, product.id, product.title);
        const generations = await fs.stack.db.generation.findMany({ where: { subject: { productId: product.id } } });
        expect(generations).toHaveLength(1);
        await runUntil(fs, generations[0]!.id, "tune");
      },
    );

    faultCase(
      "PostgreSQL unavailable for 15 s while the merchant starts a request: answered 503 (try again in a minute), then it starts once",
      { timeoutMs: 120_000 },
      async (ctx) => {
        const product = await newProduct(fs.stack, "PostgreSQL: down for long", teapot.photoUrls.slice(0, 4));
        const down = databaseUnavailable(15_000);
        await new Promise((r) => setTimeout(r, 300));
        const answer = await startRequest(product.id);
        // The session cannot be read: 503 with the reason, before anything else is tried.
        expect([answer.status, answer.headers.get("retry-after"), await answer.text()]).toEqual([
          503,
          "60",
          "SceneBooth's database is not answering right now. Try again in a minute.",
        ]);
        await down;
        expect(await fs.stack.db.generation.count({ where: { subject: { productId: product.id } } })).toBe(0);
        expect(await (await startRequest(product.id)).json()).toMatchObject({ ok: true });
        ctx.expectRequest(DEMO_SHOP, product.id, product.title);
        const generations = await fs.stack.db.generation.findMany({ where: { subject: { productId: product.id } } });
        expect(generations).toHaveLength(1);
        await runUntil(fs, generations[0]!.id, "tune");
      },
    );
  },
);
