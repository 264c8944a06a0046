// A worker process that dies mid-job, as one killed for memory does: tests/fixtures/stalling-worker.ts takes the
// next job of the ingest queue under `prefix` and hangs; it is SIGKILLed once it says so. The job stays active
// until a live worker's stalled-job check puts it back in its queue (one stall).
import { spawn } from "node:child_process";
import path from "node:path";
import { projectRoot } from "../../lib/config";

export async function killWorkerMidJob(redisUrl: string, prefix: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(projectRoot, "tests/fixtures/stalling-worker.ts"), redisUrl, prefix],
    { cwd: projectRoot, stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("taken") && resolve());
    child.on("exit", (code) => reject(new Error(`fixture worker exited early (${code})`)));
  });
  child.kill("SIGKILL");
  await new Promise((resolve) => child.once("exit", resolve));
}
