import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP, startTestStack, type TestStack } from "./stack";

describe("test stack", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  it("serves the app, installs the demo shop through token exchange, and runs a worker", async () => {
    const health = await (await fetch(`${stack.appUrl}/healthz`)).json();
    // Public: up or down only, no host names or error text.
    expect(health).toEqual({ ok: true });
    await stack.installShop();
    const sessions = await stack.db.session.findMany({ where: { shop: DEMO_SHOP } });
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.isOnline).toBe(false);
    expect(sessions[0]!.accessToken).toMatch(/.+/);
    const worker = await stack.startWorker();
    expect(worker.child.exitCode).toBeNull();
  });

  // Test files run side by side: a worker sweeps, at its start, every work folder its own database does
  // not know, so two stacks sharing one work folder would remove each other's subjects.
  it("keeps its work folder to itself: another stack's worker sweeps only its own", async () => {
    const mine = path.join(stack.env.SCENEBOOTH_WORK_DIR!, DEMO_SHOP, "subject-of-this-stack");
    await mkdir(mine, { recursive: true });
    const other = await startTestStack();
    try {
      // DEMO_SHOP is not installed in the other stack's database: its sweep removes the shop's folder.
      const theirs = path.join(other.env.SCENEBOOTH_WORK_DIR!, DEMO_SHOP, "subject-of-the-other-stack");
      await mkdir(theirs, { recursive: true });
      await other.startWorker();
      for (let i = 0; i < 300 && existsSync(theirs); i++) await new Promise((r) => setTimeout(r, 100));
      expect(existsSync(theirs), "the other worker's sweep ran").toBe(false);
      expect(existsSync(mine)).toBe(true);
    } finally {
      await other.close();
    }
  });
});
