// The README's commands on a new machine: Redis is installed with apt when it is missing (as root on
// Debian/Ubuntu), as .ci/run would; elsewhere the error says how. No real apt-get runs here.
import { describe, expect, it } from "vitest";
import { ensureRedis } from "./lib/services.mjs";

const DEBIAN = 'ID=debian\nVERSION_ID="12"\n';
// A port nothing answers on: ensureRedis reaches the install before it would start a server.
const URL = "redis://127.0.0.1:1";

function machine({ uid = 0, osRelease = DEBIAN, aptFails = false } = {}) {
  const commands: string[] = [];
  const system = {
    has: () => false,
    uid,
    osRelease: () => osRelease,
    runCommand: async (command: string, args: string[]) => {
      commands.push([command, ...args].join(" "));
      if (aptFails) throw new Error("apt-get update failed (exit 100)");
      // After the install the test stops the function before it spawns a real redis-server.
      if (args.includes("install")) throw new Error("stop here");
    },
  };
  return { system, commands };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: Error) => error,
  );

describe("ensureRedis on a machine without Redis", () => {
  it("installs Debian's redis-server with apt, non-interactively, as root", async () => {
    const m = machine();
    const lines: string[] = [];
    await failure(ensureRedis(URL, (line: string) => lines.push(line), m.system));
    expect(lines).toContain("installing Redis for the job queues (apt-get install redis-server)");
    expect(m.commands.map((c) => c.replace("-o DPkg::Lock::Timeout=120 ", ""))).toEqual([
      "apt-get update -qq",
      "apt-get install -y -qq redis-server",
    ]);
  });

  it("says what to run when not root, and what to do without apt", async () => {
    const user = machine({ uid: 1000 });
    const asUser = await failure(ensureRedis(URL, () => {}, user.system));
    expect(asUser.message).toContain('"sudo apt-get update && sudo apt-get install -y redis-server"');
    expect(user.commands).toEqual([]);

    const fedora = machine({ osRelease: "ID=fedora\n" });
    expect((await failure(ensureRedis(URL, () => {}, fedora.system))).message).toMatch(
      /point REDIS_URL at a running one/,
    );
    expect(fedora.commands).toEqual([]);

    const failed = await failure(ensureRedis(URL, () => {}, machine({ aptFails: true }).system));
    expect(failed.message).toMatch(/^apt-get update failed \(exit 100\): install Redis yourself/);
  });
});
