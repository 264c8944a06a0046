import { describe, expect, it } from "vitest";
import { waitForBulkOperation } from "./bulk";

/** A bulk operation that ends `afterMs` from now; counts how often Shopify is asked. */
function operation(afterMs: number) {
  const endsAt = Date.now() + afterMs;
  const op = {
    reads: 0,
    read: async () => ({ id: "gid://shopify/BulkOperation/1", status: Date.now() >= endsAt ? "COMPLETED" : "RUNNING" }),
  };
  const read = async () => {
    op.reads += 1;
    return op.read();
  };
  return { op, read, endsAt };
}

describe("waitForBulkOperation", () => {
  it("asks Shopify once, when bulk_operations/finish has arrived", async () => {
    const { op, read, endsAt } = operation(300);
    const result = await waitForBulkOperation(read, "gid://shopify/BulkOperation/1", {
      finished: async () => Date.now() >= endsAt,
      signalCheckMs: 20,
      pollMs: 10_000,
      deadline: Date.now() + 5_000,
    });
    expect(result?.status).toBe("COMPLETED");
    expect(op.reads).toBe(1);
  });

  it("without the webhook, asks only at the fallback interval", async () => {
    const { op, read } = operation(150);
    const started = Date.now();
    const result = await waitForBulkOperation(read, "gid://shopify/BulkOperation/1", {
      finished: async () => false,
      signalCheckMs: 10,
      pollMs: 400,
      deadline: Date.now() + 5_000,
    });
    expect(result?.status).toBe("COMPLETED");
    expect(op.reads).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
  });

  it("gives up at the deadline with null", async () => {
    const { op, read } = operation(60_000);
    expect(
      await waitForBulkOperation(read, "gid://shopify/BulkOperation/1", {
        finished: async () => false,
        signalCheckMs: 10,
        pollMs: 100,
        deadline: Date.now() + 350,
      }),
    ).toBeNull();
    expect(op.reads).toBeLessThanOrEqual(4);
  });
});
