// `npm run queue-board`: Bull Board over every SceneBooth queue, for operators (HTTP Basic, its own
// port; read-only unless QUEUE_BOARD_ACTIONS=retry-clean).
import { Queue } from "bullmq";
import { config, loadQueueBoardConfig } from "../lib/config";
import { createQueueBoard, listen } from "../lib/ops/queue-board";
import { exitOnStartupError } from "../lib/preflight";
import { checkRedis, createRedisConnection, QUEUE_NAMES } from "../lib/queue";

async function main(): Promise<void> {
  const cfg = config();
  const board = loadQueueBoardConfig();
  await checkRedis(cfg.redisUrl);
  const connection = createRedisConnection(cfg.redisUrl);
  const queues = Object.values(QUEUE_NAMES).map((name) => new Queue(name, { connection, prefix: cfg.queuePrefix }));
  const server = createQueueBoard({ queues, ...board });
  const port = await listen(server, board.port, board.host);
  console.log(`queue board on http://${board.host}:${port}/ (actions: ${board.actions})`);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => server.close(() => void connection.quit().finally(() => process.exit(0))));
  }
}

main().catch(exitOnStartupError("scenebooth queue board"));
