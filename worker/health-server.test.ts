import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startHealthServer } from "./health-server";

describe("worker health server", () => {
  let server: Awaited<ReturnType<typeof startHealthServer>> | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it("binds the configured address, so an orchestrator's probe can reach it in a container", async () => {
    server = await startHealthServer(0, "0.0.0.0", async () => ({ ok: true }));
    expect((server.address() as AddressInfo).address).toBe("0.0.0.0");
    const answer = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect([answer.status, await answer.json()]).toEqual([200, { ok: true }]);
  });

  it("answers 503 when the report is not ok or throws", async () => {
    server = await startHealthServer(0, "127.0.0.1", async () => {
      throw new Error("redis down");
    });
    const answer = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(answer.status).toBe(503);
  });
});
