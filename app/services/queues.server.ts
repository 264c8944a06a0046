// The app's queue producers (lib/queue), closed with their Redis connection when remix-serve is
// told to stop: remix-serve only closes its HTTP server, and an open Redis connection would keep the
// process alive after SIGTERM.
import { producers, type Producers } from "../../lib/queue/producer";

let hooked = false;

export function appProducers(): Producers {
  const p = producers();
  if (!hooked) {
    hooked = true;
    const shutdown = async () => {
      // The producers share one connection; BullMQ does not close a connection it was given.
      const redis = await p.queue("ingest").client;
      await p.close();
      redis.disconnect();
    };
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      process.once(signal, () => void shutdown().catch((error: unknown) => console.error("closing the queues failed:", error)));
    }
  }
  return p;
}
