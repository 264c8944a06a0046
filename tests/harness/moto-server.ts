// Test helper: moto's S3-compatible server (installed in .venv by `npm run setup`) as a child
// process on a free port, so the S3 store is tested over real HTTP against a real S3 API.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { projectRoot } from "../../lib/config";
import { freePort } from "./free-port";
import { killOnExit } from "./kill-on-exit";
export { freePort };

/** moto accepts any credentials; these make the SDK's signing happy. */
export const MOTO_CREDENTIALS = { accessKeyId: "moto-test-key", secretAccessKey: "moto-test-secret" };
export const MOTO_REGION = "us-east-1";

export interface MotoServer {
  endpoint: string;
  /** The variables that point a process's S3 store at this server (bucket and credentials). */
  env(bucket: string, prefix?: string): Record<string, string>;
  createBucket(bucket: string): Promise<void>;
  /** A client for looking into the server's buckets directly. */
  client(): S3Client;
  stop(): Promise<void>;
}

export async function startMotoServer({ timeoutMs = 30_000 } = {}): Promise<MotoServer> {
  const binary = path.join(projectRoot, ".venv", "bin", "moto_server");
  if (!existsSync(binary))
    throw new Error(`moto's server is not installed (${path.relative(projectRoot, binary)}): run "npm run setup"`);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(binary, ["-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  killOnExit(child);
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const forced = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(forced);
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited before answering:\n${output}`);
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`moto_server did not answer at ${endpoint} within ${timeoutMs} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const clients: S3Client[] = [];
  const client = () => {
    const c = new S3Client({ region: MOTO_REGION, endpoint, forcePathStyle: true, credentials: MOTO_CREDENTIALS });
    clients.push(c);
    return c;
  };
  return {
    endpoint,
    env: (bucket, prefix) => ({
      STORAGE_DRIVER: "s3",
      S3_BUCKET: bucket,
      ...(prefix ? { S3_PREFIX: prefix } : {}),
      S3_REGION: MOTO_REGION,
      S3_ENDPOINT: endpoint,
      S3_FORCE_PATH_STYLE: "true",
      AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    }),
    async createBucket(bucket) {
      await client().send(new CreateBucketCommand({ Bucket: bucket }));
    },
    client,
    async stop() {
      for (const c of clients) c.destroy();
      await stop();
    },
  };
}
