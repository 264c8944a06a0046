import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ModelFilesError } from "../scoring/errors";
import { sha256File } from "../scoring/manifest";
import { ensureEsrganOnnx, esrganOnnxPath } from "./models";

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "esrgan-cache-"));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe("ensureEsrganOnnx: cached, checksummed, idempotent", () => {
  it("converts once, then reuses the verified file", async () => {
    const logs: string[] = [];
    const first = await ensureEsrganOnnx({ modelsDir: dir, tier: "medium", scale: 4, log: (l) => logs.push(l) });
    expect(first.cached).toBe(false);
    expect(first.path).toBe(esrganOnnxPath(dir, "medium", 4));
    expect(await sha256File(first.path)).toBe(first.sha256);
    const sidecar = JSON.parse(await fs.readFile(`${first.path}.json`, "utf8"));
    expect(sidecar).toMatchObject({ source: "@upscalerjs/esrgan-medium@1.0.0/models/x4", onnxSha256: first.sha256 });
    const mtime = (await fs.stat(first.path)).mtimeMs;
    const second = await ensureEsrganOnnx({ modelsDir: dir, tier: "medium", scale: 4, log: (l) => logs.push(l) });
    expect(second).toEqual({ ...first, cached: true });
    expect((await fs.stat(first.path)).mtimeMs).toBe(mtime);
    expect(logs).toHaveLength(1);
  });

  it("converts again when the cached file was altered", async () => {
    const { path: file, sha256 } = await ensureEsrganOnnx({ modelsDir: dir, tier: "medium", scale: 2 });
    await fs.appendFile(file, "x");
    const again = await ensureEsrganOnnx({ modelsDir: dir, tier: "medium", scale: 2 });
    expect(again.cached).toBe(false);
    expect(again.sha256).toBe(sha256);
    expect(await sha256File(file)).toBe(sha256);
  });

  it("refuses an unknown tier or scale", async () => {
    await expect(ensureEsrganOnnx({ modelsDir: dir, tier: "huge" as never, scale: 4 })).rejects.toThrow(
      ModelFilesError,
    );
    await expect(ensureEsrganOnnx({ modelsDir: dir, tier: "thick", scale: 5 as never })).rejects.toThrow(/scale/);
  });
});
