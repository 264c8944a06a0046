import { describe, expect, it } from "vitest";
import { isDebianLike } from "./lib/apt.mjs";
import { DEFAULT_CHROMIUM_PATH, chromiumPath, ensureChromium, selectsBrowserTests } from "./lib/chromium.mjs";
import { StepError } from "./lib/run.mjs";

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';
const UBUNTU = 'NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n';
const MINT = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n';
const FEDORA = 'NAME="Fedora Linux"\nID=fedora\nVERSION_ID=41\n';

/** A machine: which files exist, who runs the step, and the commands it ran (apt "installs" the binary). */
function machine({
  files = [] as string[],
  uid = 0,
  osRelease = DEBIAN,
  aptFails = false,
  aptInstalls = true,
  env = {} as Record<string, string>,
} = {}) {
  const present = new Set(files);
  const commands: Array<{ command: string; args: string[]; env: Record<string, string> }> = [];
  const lines: string[] = [];
  const options = {
    log: (line: string) => lines.push(line),
    env,
    exists: (file: string) => present.has(file),
    uid,
    osRelease: () => osRelease,
    runCommand: async (
      command: string,
      args: string[],
      opts: { env?: Record<string, string>; label?: string } = {},
    ) => {
      commands.push({ command, args, env: opts.env ?? {} });
      if (aptFails) throw new StepError(`${opts.label ?? command} failed (exit 100)`);
      if (args.includes("install") && aptInstalls) present.add(DEFAULT_CHROMIUM_PATH);
      return "";
    },
  };
  return { options, commands, lines };
}

async function failure(promise: Promise<unknown>): Promise<StepError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StepError);
  expect((error as Error).message).not.toContain("\n");
  return error as StepError;
}

describe("ensureChromium", () => {
  it("does nothing when Debian's Chromium is there", async () => {
    const m = machine({ files: [DEFAULT_CHROMIUM_PATH] });
    expect(await ensureChromium(m.options)).toEqual({ path: DEFAULT_CHROMIUM_PATH, installed: false });
    expect(m.commands).toEqual([]);
  });

  it("installs it with apt, non-interactively, as root on Debian", async () => {
    const m = machine();
    expect(await ensureChromium(m.options)).toEqual({ path: DEFAULT_CHROMIUM_PATH, installed: true });
    expect(m.commands.map((c) => [c.command, c.args.filter((a) => /^[a-z]+$/.test(a))])).toEqual([
      ["apt-get", ["update"]],
      ["apt-get", ["install", "chromium"]],
    ]);
    expect(m.commands[1]!.args).toContain("-y");
    expect(m.commands.every((c) => c.env.DEBIAN_FRONTEND === "noninteractive")).toBe(true);
    expect(m.lines.join("\n")).toContain("installing Chromium");
  });

  it("installs it as root on Ubuntu and its derivatives", async () => {
    for (const osRelease of [UBUNTU, MINT]) {
      const m = machine({ osRelease });
      expect((await ensureChromium(m.options)).installed).toBe(true);
    }
  });

  it("stops with the exact command when not root", async () => {
    const m = machine({ uid: 1000 });
    const error = await failure(ensureChromium(m.options));
    expect(error.message).toContain('"sudo apt-get update && sudo apt-get install -y chromium"');
    expect(error.message).toContain("CHROMIUM_PATH");
    expect(m.commands).toEqual([]);
  });

  it("stops with a pointer to CHROMIUM_PATH on a system without apt, even as root", async () => {
    for (const osRelease of [FEDORA, ""]) {
      const m = machine({ osRelease });
      const error = await failure(ensureChromium(m.options));
      expect(error.message).toContain("set CHROMIUM_PATH");
      expect(m.commands).toEqual([]);
    }
  });

  it("uses CHROMIUM_PATH when it exists, and never installs over one that does not", async () => {
    const custom = "/opt/chrome/chrome";
    const found = machine({ files: [custom], env: { CHROMIUM_PATH: custom } });
    expect(await ensureChromium(found.options)).toEqual({ path: custom, installed: false });

    const missing = machine({ files: [DEFAULT_CHROMIUM_PATH], env: { CHROMIUM_PATH: custom } });
    const error = await failure(ensureChromium(missing.options));
    expect(error.message).toContain(`CHROMIUM_PATH is ${custom}, which does not exist`);
    expect(missing.commands).toEqual([]);
  });

  it("says what to do when apt fails or installs no /usr/bin/chromium", async () => {
    const failed = await failure(ensureChromium(machine({ aptFails: true }).options));
    expect(failed.message).toMatch(
      /^apt-get update failed \(exit 100\): install Chromium yourself .* or set CHROMIUM_PATH/,
    );

    const elsewhere = await failure(ensureChromium(machine({ aptInstalls: false }).options));
    expect(elsewhere.message).toContain(`${DEFAULT_CHROMIUM_PATH} does not exist: set CHROMIUM_PATH`);
  });
});

describe("chromium helpers", () => {
  it("reads CHROMIUM_PATH, ignoring an empty one", () => {
    expect(chromiumPath({})).toBe(DEFAULT_CHROMIUM_PATH);
    expect(chromiumPath({ CHROMIUM_PATH: " " })).toBe(DEFAULT_CHROMIUM_PATH);
    expect(chromiumPath({ CHROMIUM_PATH: "/opt/chrome/chrome" })).toBe("/opt/chrome/chrome");
  });

  it("recognises Debian-like systems from os-release", () => {
    expect([DEBIAN, UBUNTU, MINT, FEDORA, ""].map(isDebianLike)).toEqual([true, true, true, false, false]);
  });

  it("needs the browser only for runs that include a browser test", () => {
    const files = ["tests/browser/studio.test.ts"];
    expect(selectsBrowserTests([], files)).toBe(true);
    expect(selectsBrowserTests(["tests/browser"], files)).toBe(true);
    expect(selectsBrowserTests(["studio"], files)).toBe(true);
    expect(selectsBrowserTests(["lib/scenes.test.ts", "worker/"], files)).toBe(false);
    expect(selectsBrowserTests([], [])).toBe(false);
    expect(selectsBrowserTests([])).toBe(true);
  });
});
