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
});
