// `npm start`: checks the configuration and the services, then serves the built app with
// remix-serve. A bad configuration ends here with one line instead of a stack trace.
import path from "node:path";
import { config, projectRoot } from "../lib/config";
import { disconnectDb } from "../lib/db";
import { exitOnStartupError, preflight } from "../lib/preflight";
import { closeProducers } from "../lib/queue/producer";

async function main(): Promise<void> {
  await preflight(config(), { python: false });
  process.argv = [process.argv[0]!, "remix-serve", path.join(projectRoot, "build", "server", "index.js")];
  await import("@remix-run/serve/dist/cli.js");
  // remix-serve closes its HTTP server on these signals; the open Redis and database connections
  // would keep the process alive, so close them too.
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      void Promise.allSettled([closeProducers(), disconnectDb()]).then(() => setTimeout(() => process.exit(0), 5000).unref());
    });
  }
}

main().catch(exitOnStartupError("scenebooth app"));
