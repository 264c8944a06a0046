// A private redis-server for the infrastructure faults, run as production should run it for BullMQ:
// append-only file on (`appendonly yes`, `appendfsync everysec`) and `maxmemory-policy noeviction`
// (BullMQ's keys must never be evicted). It can be stopped (SIGTERM: a restart, the AOF is flushed;
// SIGKILL: a crash) and started again on the same port and data folder.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { freePort } from "../harness/stack";
import { killOnExit } from "../harness/kill-on-exit";

export interface RedisServer {
  url: string;
  /** Stops it: SIGTERM shuts down cleanly (AOF flushed), SIGKILL is a crash. */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
  start(): Promise<void>;
  restart(signal?: "SIGTERM" | "SIGKILL", downMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const PRODUCTION_REDIS_ARGS = [
  "--appendonly",
  "yes",
  "--appendfsync",
  "everysec",
  "--maxmemory-policy",
  "noeviction",
];

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function startRedisServer(): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "scenebooth-redis-"));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;

  const server: RedisServer = {
    url,
    async start() {
      child = spawn(
        "redis-server",
        ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", ...PRODUCTION_REDIS_ARGS],
        { stdio: "ignore" },
      );
      killOnExit(child);
      const deadline = Date.now() + 10_000;
      while (!(await answers(url))) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`redis-server did not start on ${url}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop(signal = "SIGTERM") {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once("exit", resolve));
      running.kill(signal);
      await exited;
    },
    async restart(signal = "SIGTERM", downMs = 2_000) {
      await server.stop(signal);
      await new Promise((r) => setTimeout(r, downMs));
      await server.start();
    },
    async close() {
      await server.stop("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
