// `npm start`: checks the configuration and the services, then serves the built app with
// remix-serve. A bad configuration ends here with one line instead of a stack trace.
import path from "node:path";
import { config, projectRoot } from "../lib/config";
import { exitOnStartupError, preflight } from "../lib/preflight";

async function main(): Promise<void> {
  await preflight(config(), { python: false });
  process.argv = [process.argv[0]!, "remix-serve", path.join(projectRoot, "build", "server", "index.js")];
  await import("@remix-run/serve/dist/cli.js");
}

main().catch(exitOnStartupError("scenebooth app"));
