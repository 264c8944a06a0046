// Starts the demo's long-running processes with prefixed output and stops them together.
import { spawn } from "node:child_process";
import { sleep } from "./run.mjs";

const children = new Set();

export function startProcess(name, command, args, { env = {}, cwd } = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const prefix = (stream, out) => {
    let partial = "";
    stream.on("data", (data) => {
      const lines = (partial + data).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) out.write(`[${name}] ${line}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** Polls a URL until it answers 200, the process exits, or the time runs out. */
export async function waitForHttp(url, { child, timeoutMs = 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child?.exited.then(() => (exited = true));
  let last = "no answer";
  while (Date.now() < deadline) {
    if (exited) throw new Error(`the process serving ${url} exited`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return await response.text();
      last = `HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`;
    } catch (error) {
      last = error.message;
    }
    await sleep(250);
  }
  throw new Error(`${url} did not become healthy in ${timeoutMs / 1000} s (${last})`);
}

export async function stopAll(graceMs = 10_000) {
  const running = [...children];
  for (const child of running) child.kill("SIGTERM");
  await Promise.race([Promise.all(running.map((c) => c.exited)), sleep(graceMs)]);
  for (const child of children) child.kill("SIGKILL");
}
