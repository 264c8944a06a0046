// The app's queue producers. scripts/serve-app.ts closes them (and their Redis connection) on
// SIGTERM, so that the app process can exit.
import { producers, type Producers } from "../../lib/queue/producer";

export function appProducers(): Producers {
  return producers();
}
