// Small process helpers for the setup, demo and test scripts (Node built-ins only: they run before
// npm dependencies exist).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

export class StepError extends Error {}

/** Runs a command, streaming its output with a prefix; rejects with a one-line StepError. */
export function run(command, args, { cwd = root, env = {}, quiet = false, label = command } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: quiet ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
    });
    let output = "";
    if (quiet) {
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
    }
    child.on("error", (error) => reject(new StepError(`${label}: ${error.message}`)));
    child.on("exit", (code, signal) => {
      if (code === 0) resolve(output);
      else {
        if (quiet) process.stderr.write(output.slice(-4000));
        reject(new StepError(`${label} failed (${signal ?? `exit ${code}`})`));
      }
    });
  });
}

export function hashFiles(files, extra = "") {
  const hash = createHash("sha256").update(extra);
  for (const file of files) {
    hash.update(file);
    hash.update(existsSync(file) ? readFileSync(file) : "missing");
  }
  return hash.digest("hex").slice(0, 16);
}

/** A stamp file remembers the input hash of a step that already ran. */
export function stampMatches(stampFile, value) {
  return existsSync(stampFile) && readFileSync(stampFile, "utf8").trim() === value;
}

export function writeStamp(stampFile, value) {
  mkdirSync(path.dirname(stampFile), { recursive: true });
  // A new file, not the old one rewritten: a tree copied with hard links (cp -al) keeps its own stamps.
  const written = `${stampFile}.${process.pid}`;
  writeFileSync(written, `${value}\n`);
  renameSync(written, stampFile);
}

export function commandExists(command) {
  const dirs = (process.env.PATH ?? "").split(path.delimiter);
  return dirs.some((dir) => dir && existsSync(path.join(dir, command)));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
