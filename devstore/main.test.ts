import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../lib/config";

const tsx = path.join(projectRoot, "node_modules", ".bin", "tsx");
const main = path.join(projectRoot, "devstore", "main.ts");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "devstore-main-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe("tsx devstore/main.ts", () => {
  it("serves on the given port with the given state file and app credentials, and stops on SIGTERM", async () => {
    const port = await freePort();
    const state = path.join(dir, "devstore.json");
    const child = spawn(
      tsx,
      [
        main,
        "--port",
        String(port),
        "--state",
        state,
        "--app-url",
        "http://localhost:3999",
        "--api-key",
        "K",
        "--api-secret",
        "S",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    try {
      let health: Response | null = null;
      for (let i = 0; i < 200 && !health; i++) {
        health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
        if (!health) await new Promise((r) => setTimeout(r, 100));
      }
      expect(health?.status, out).toBe(200);
      const res = await fetch(`http://127.0.0.1:${port}/admin/apps/K?shop=scenebooth-demo.myshopify.com`, {
        redirect: "manual",
      });
      expect(res.headers.get("location")).toMatch(/^http:\/\/localhost:3999\/app\?/);
      expect(fs.existsSync(state)).toBe(true);
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    expect(out).toMatch(/local Shopify stand-in on http:\/\/127\.0\.0\.1:\d+/);
  });

  it("explains a bad port in one line", async () => {
    const child = spawn(tsx, [main, "--port", "http", "--state", path.join(dir, "x.json")], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise((r) => child.once("exit", r));
    expect(code).toBe(1);
    expect(err.trim()).toBe('devstore: --port / DEVSTORE_PORT must be a positive number, got "http".');
  });
});
