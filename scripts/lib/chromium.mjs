// The browser the UI tests and the dashboard benchmark drive through playwright-core: the system's
// Chromium, never a downloaded one. Node built-ins only (it runs during setup).
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { aptInstall, readOsRelease } from "./apt.mjs";
import { StepError, root, run } from "./run.mjs";

export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * CHROMIUM_PATH when set, else Debian's Chromium.
 * @param {Record<string, string | undefined>} [env]
 */
export function chromiumPath(env = process.env) {
  return env.CHROMIUM_PATH?.trim() || DEFAULT_CHROMIUM_PATH;
}

/** The browser test files, relative to the repository root. */
export function browserTestFiles(dir = path.join(root, "tests", "browser")) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.test\.tsx?$/.test(name))
    .map((name) => path.relative(root, path.join(dir, name)));
}

/**
 * Whether a vitest run with these file filters (substrings of test paths) includes a browser test.
 * @param {string[]} filters
 * @param {string[]} [files]
 */
export function selectsBrowserTests(filters, files = browserTestFiles()) {
  if (filters.length === 0) return files.length > 0;
  return files.some((file) =>
    filters.some((filter) => file.includes(filter) || path.join(root, file).includes(filter)),
  );
}

/**
 * Makes sure Chromium is installed. When it is missing and this process is root on Debian/Ubuntu,
 * installs Debian's package with apt, non-interactively; otherwise stops with one line that says
 * how. An explicit CHROMIUM_PATH is never installed over: it must exist. The options other than
 * `log` exist for tests (who is running, on which system, which files exist, which commands run).
 *
 * @param {{
 *   log?: (line: string) => void,
 *   env?: Record<string, string | undefined>,
 *   exists?: (file: string) => boolean,
 *   uid?: number,
 *   osRelease?: () => string,
 *   runCommand?: (command: string, args: string[], options: { env?: Record<string, string>, quiet?: boolean, label?: string }) => Promise<unknown>,
 * }} [options]
 * @returns {Promise<{ path: string, installed: boolean }>}
 */
export async function ensureChromium({
  log = () => {},
  env = process.env,
  exists = existsSync,
  uid = process.getuid?.() ?? -1,
  osRelease = readOsRelease,
  runCommand = run,
} = {}) {
  const file = chromiumPath(env);
  if (exists(file)) return { path: file, installed: false };
  if (env.CHROMIUM_PATH?.trim()) {
    throw new StepError(
      `CHROMIUM_PATH is ${file}, which does not exist: point it at a Chromium or Chrome binary, or unset it to use ${DEFAULT_CHROMIUM_PATH}.`,
    );
  }
  await aptInstall({
    pkg: "chromium",
    what: "Chromium",
    purpose: "for the browser tests",
    elsewhere: `install Chromium and set CHROMIUM_PATH to its binary (it is not at ${DEFAULT_CHROMIUM_PATH}).`,
    alternative: "set CHROMIUM_PATH to a Chromium binary",
    log,
    uid,
    osRelease,
    runCommand,
  });
  if (!exists(file)) {
    throw new StepError(
      `apt-get installed chromium but ${file} does not exist: set CHROMIUM_PATH to the Chromium binary.`,
    );
  }
  return { path: file, installed: true };
}
