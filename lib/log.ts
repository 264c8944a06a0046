import { AsyncLocalStorage } from "node:async_hooks";
import type { Writable } from "node:stream";
import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import { redactUrl } from "./redact-url.mjs";

/** What every line logged while a job or request runs carries. */
export interface LogContext {
  shop?: string;
  /** The merchant's request (a generation) the work belongs to. */
  requestId?: string;
  jobId?: string;
  queue?: string;
  stage?: string;
}

const context = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `fields` added to every line it logs (nested contexts add to the outer one). */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

// Fields that hold secrets, wherever they appear in a logged object (one level deep, and at the top).
const SECRET_FIELDS = [
  "accessToken",
  "refreshToken",
  "idToken",
  "id_token",
  "token",
  "password",
  "secret",
  "authorization",
];
const REDACT_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`)];

// Secrets inside text: bearer credentials, JWTs (session tokens), Shopify access tokens, and URLs'
// passwords and credential query values.
const TEXT_SECRETS: Array<[RegExp, (match: string) => string]> = [
  [/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, (m) => `${m.split(/\s+/)[0]} ***`],
  [/\beyJ[\w-]*\.eyJ[\w-]*\.[\w-]*/g, () => "***"],
  [/\bshp(at|ua|ca|pa|ss)_[0-9a-f]+/gi, () => "***"],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => redactUrl(url)],
];

/** `text` with the secrets it may carry replaced by "***". */
export function redactText(text: string): string {
  return TEXT_SECRETS.reduce((out, [pattern, replace]) => out.replace(pattern, replace), text);
}

export type LogFormat = "json" | "pretty";

/** JSON lines in production (or with LOG_FORMAT=json), readable lines in development. */
export function defaultLogFormat(env: NodeJS.ProcessEnv = process.env): LogFormat {
  if (env.LOG_FORMAT === "json" || env.LOG_FORMAT === "pretty") return env.LOG_FORMAT;
  return env.NODE_ENV === "production" ? "json" : "pretty";
}

export function createLogger(options: { format?: LogFormat; level?: string; destination?: Writable } = {}): Logger {
  const destination = options.destination ?? process.stdout;
  const format = options.format ?? defaultLogFormat();
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? "info",
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: "***" },
      mixin: () => ({ ...context.getStore() }),
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === "string" ? redactText(arg) : arg)) as Parameters<typeof method>,
          );
        },
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    format === "json"
      ? destination
      : pretty({ destination, sync: true, colorize: false, ignore: "time", singleLine: true, messageKey: "msg" }),
  );
}

/** The process's logger. */
export const log = createLogger();
