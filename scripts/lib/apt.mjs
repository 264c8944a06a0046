// Installs a missing system package the way the README's commands need it on a new machine: with
// Debian's apt, non-interactively, when this process is root on Debian/Ubuntu; otherwise it stops with
// one line that says what to run. Node built-ins only (it runs during setup).
import { readFileSync } from "node:fs";
import { StepError, run } from "./run.mjs";

/**
 * Debian, Ubuntu and their derivatives, from the text of /etc/os-release (ID and ID_LIKE).
 * @param {string} osRelease
 */
export function isDebianLike(osRelease) {
  const fields = new Map();
  for (const line of osRelease.split("\n")) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) fields.set(match[1], match[2].replace(/^["']|["']$/g, ""));
  }
  const ids = [fields.get("ID") ?? "", ...(fields.get("ID_LIKE") ?? "").split(/\s+/)];
  return ids.some((id) => id === "debian" || id === "ubuntu");
}

export function readOsRelease() {
  try {
    return readFileSync("/etc/os-release", "utf8");
  } catch {
    return "";
  }
}

/** The command a person runs to install `pkg` themselves. */
export const aptCommand = (pkg) => `sudo apt-get update && sudo apt-get install -y ${pkg}`;

/**
 * apt-get installs `pkg` (`what`, needed `purpose`). `elsewhere` is what to do on a system without apt;
 * `alternative` is the other way out, offered when this process may not install or apt fails.
 *
 * @param {{
 *   pkg: string, what: string, purpose: string, elsewhere: string, alternative: string,
 *   log?: (line: string) => void,
 *   uid?: number,
 *   osRelease?: () => string,
 *   runCommand?: (command: string, args: string[], options: { env?: Record<string, string>, quiet?: boolean, label?: string }) => Promise<unknown>,
 * }} options
 */
export async function aptInstall({
  pkg,
  what,
  purpose,
  elsewhere,
  alternative,
  log = () => {},
  uid = process.getuid?.() ?? -1,
  osRelease = readOsRelease,
  runCommand = run,
}) {
  const need = `${what} is needed ${purpose} and is not installed`;
  if (!isDebianLike(osRelease())) throw new StepError(`${need}: ${elsewhere}`);
  if (uid !== 0) throw new StepError(`${need}: run "${aptCommand(pkg)}" (or ${alternative}).`);
  log(`installing ${what} ${purpose} (apt-get install ${pkg})`);
  const apt = { env: { DEBIAN_FRONTEND: "noninteractive" }, quiet: true };
  const lockWait = ["-o", "DPkg::Lock::Timeout=120"];
  try {
    await runCommand("apt-get", [...lockWait, "update", "-qq"], { ...apt, label: "apt-get update" });
    await runCommand("apt-get", [...lockWait, "install", "-y", "-qq", pkg], {
      ...apt,
      label: `apt-get install ${pkg}`,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StepError(`${reason}: install ${what} yourself ("${aptCommand(pkg)}") or ${alternative}.`);
  }
}
