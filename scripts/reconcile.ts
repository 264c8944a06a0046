// `npm run reconcile`: one reconciler pass by hand (lib/pipeline/reconcile.ts), with the app's
// environment: every request, approved image and uninstalled shop whose jobs Redis lost gets them
// back. Prints what it re-added or ended, one line each; a second run prints nothing new.
import { config, ConfigError } from "../lib/config";
import { checkDatabase, db, disconnectDb } from "../lib/db";
import { checkSchemaCurrent } from "../lib/db/schema-version";
import { describeAction, reconcile, reconcileLockKey } from "../lib/pipeline/reconcile";
import { exitOnStartupError } from "../lib/preflight";
import { checkRedis } from "../lib/queue/connection";
import { closeProducers, producers } from "../lib/queue/producer";

async function main(): Promise<number> {
  const cfg = config();
  await checkRedis(cfg.redisUrl);
  await checkDatabase(cfg.databaseUrl);
  await checkSchemaCurrent(cfg.databaseUrl);
  const graceArg = process.argv.indexOf("--grace-ms");
  const graceMs = graceArg > 0 ? Number(process.argv[graceArg + 1]) : undefined;
  if (graceMs !== undefined && !(Number.isInteger(graceMs) && graceMs >= 0))
    throw new ConfigError(
      `--grace-ms takes a whole number of milliseconds, got "${process.argv[graceArg + 1] ?? ""}".`,
    );
  const actions = await reconcile({
    client: db(),
    producers: producers(),
    lockKey: reconcileLockKey(cfg.queuePrefix),
    graceMs,
  });
  if (actions === null) console.log("reconcile: another pass is running (a worker's); nothing done");
  else {
    for (const a of actions) console.log(`reconcile: ${describeAction(a)}`);
    console.log(`reconcile: ${actions.length} change(s)`);
  }
  await closeProducers();
  await disconnectDb();
  return 0;
}

main().then((code) => process.exit(code), exitOnStartupError("scenebooth reconcile"));
