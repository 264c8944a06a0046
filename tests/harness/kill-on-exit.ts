// Test servers (app, worker, local store, moto, private Redis) are child processes: a test run that
// is cut short (a timeout, Ctrl-C, a crash) must not leave them running on their ports.
import type { ChildProcess } from "node:child_process";

const running = new Set<ChildProcess>();
let hooked = false;

/** Kills `child` with SIGKILL if this process exits while it still runs. */
export function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (hooked) return;
  hooked = true;
  process.once("exit", () => {
    for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });
}
