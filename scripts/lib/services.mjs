// Finds or starts the services the app needs locally: Redis always, PostgreSQL for the tests.
import net from "node:net";
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { redactUrl } from "../../lib/redact-url.mjs";
import { aptInstall } from "./apt.mjs";
import { StepError, commandExists, run, sleep } from "./run.mjs";

/** Sends one inline command over a raw socket; resolves with the first reply line or null. */
function redisCommand(host, port, command, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (value) => {
      socket.destroy();
      resolve(value);
    };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.on("error", () => done(null));
    socket.on("connect", () => socket.write(`${command}\r\n`));
    socket.on("data", (data) => done(data.toString().split("\r\n")[0]));
  });
}

export async function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  return (await redisCommand(hostname, Number(port || 6379), "PING")) === "+PONG";
}

/**
 * Starts a local redis-server when nothing answers on REDIS_URL, installing Debian's package first
 * when it is missing (lib/apt.mjs: as root on Debian/Ubuntu; otherwise one line says how). `system`
 * exists for tests (which commands exist, who runs, on which system, which commands run).
 *
 * @param {string} url
 * @param {(line: string) => void} log
 * @param {{ has?: (command: string) => boolean } & Partial<Pick<Parameters<typeof aptInstall>[0], "uid" | "osRelease" | "runCommand">>} [system]
 */
export async function ensureRedis(url, log, system = {}) {
  if (await redisAnswers(url)) return { started: false };
  const { hostname, port } = new URL(url);
  if (!["127.0.0.1", "localhost", "::1"].includes(hostname)) {
    throw new StepError(`Redis does not answer at ${redactUrl(url)}; start it or fix REDIS_URL.`);
  }
  const { has = commandExists, ...apt } = system;
  if (!has("redis-server")) {
    await aptInstall({
      pkg: "redis-server",
      what: "Redis",
      purpose: "for the job queues",
      elsewhere: `install Redis (e.g. "brew install redis") or point REDIS_URL at a running one (${redactUrl(url)} does not answer).`,
      alternative: "point REDIS_URL at a running Redis",
      log,
      ...apt,
    });
  }
  log(`starting redis-server on port ${port || 6379}`);
  const child = spawn(
    "redis-server",
    ["--port", String(port || 6379), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      detached: true,
      stdio: "ignore",
    },
  );
  child.unref();
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(url)) return { started: true };
    await sleep(100);
  }
  throw new StepError(`redis-server did not start on ${redactUrl(url)}`);
}

function tcpOpen(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutMs, () => (socket.destroy(), resolve(false)));
    socket.on("error", () => resolve(false));
    socket.on("connect", () => (socket.destroy(), resolve(true)));
  });
}

/** Starts the Debian PostgreSQL cluster when nothing answers on the URL's port. */
export async function ensurePostgres(url, log) {
  const { hostname, port } = new URL(url);
  const pgPort = Number(port || 5432);
  if (await tcpOpen(hostname, pgPort)) return true;
  if (existsSync("/etc/postgresql") && commandExists("pg_ctlcluster")) {
    const [version] = readdirSync("/etc/postgresql");
    if (version) {
      log(`starting PostgreSQL ${version}`);
      await run("pg_ctlcluster", ["--skip-systemctl-redirect", version, "main", "start"], { quiet: true }).catch(
        () => {},
      );
      for (let i = 0; i < 50; i++) {
        if (await tcpOpen(hostname, pgPort)) return true;
        await sleep(200);
      }
    }
  }
  return false;
}
