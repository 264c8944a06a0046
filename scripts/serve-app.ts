// `npm start`: checks the configuration and the services, then serves the built app with
// remix-serve. A bad configuration ends here with one line instead of a stack trace.
import type { IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { config, projectRoot } from "../lib/config";
import { disconnectDb } from "../lib/db";
import { exitOnStartupError, preflight } from "../lib/preflight";
import { closeProducers, producers } from "../lib/queue/producer";
import { startTracing } from "../lib/telemetry";
import { redactQueryCredentials } from "../lib/redact-url.mjs";

/**
 * remix-serve's access log (morgan "tiny") prints each request's URL: the embedded app's id_token,
 * signed blob links and OAuth codes would land in the logs. Its `url` token is replaced, on the very
 * morgan module remix-serve loads, by one that prints the URL with those values redacted.
 */
function redactAccessLog(): void {
  const fromServe = createRequire(createRequire(import.meta.url).resolve("@remix-run/serve/dist/cli.js"));
  const morgan = fromServe("morgan") as {
    token(name: string, format: (req: IncomingMessage & { originalUrl?: string }) => string): unknown;
  };
  morgan.token("url", (req) => redactQueryCredentials(req.originalUrl ?? req.url ?? ""));
}

async function main(): Promise<void> {
  await preflight(config(), { python: false });
  const stopTracing = await startTracing("scenebooth-app");
  // The queues are opened while Redis is known to answer (see createProducers).
  producers();
  redactAccessLog();
  process.argv = [process.argv[0]!, "remix-serve", path.join(projectRoot, "build", "server", "index.js")];
  await import("@remix-run/serve/dist/cli.js");
  // remix-serve closes its HTTP server on these signals; the open Redis and database connections
  // would keep the process alive, so close them too.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      void Promise.allSettled([closeProducers(), disconnectDb(), stopTracing?.()]).then(() =>
        setTimeout(() => process.exit(0), 5000).unref(),
      );
    });
  }
}

main().catch(exitOnStartupError("scenebooth app"));
