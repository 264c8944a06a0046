// A GPU worker's side of a shop deletion: it listens on the purge channel (lib/lifecycle/workdir-purge.ts),
// removes the shop's work folder on this host and records its acknowledgement. A message missed
// while the connection was down is covered by the sweeper (shops that are not installed).
import type { Redis } from "ioredis";
import { recordWorkDirPurge, workDirPurgeChannel, type WorkDirPurgeMessage } from "../lib/lifecycle";
import { createRedisConnection } from "../lib/queue";
import { isShopDomain } from "../lib/shop-domain";
import type { WorkFolders } from "./work-folders";

export interface ShopPurgeListener {
  close(): Promise<void>;
}

export async function startShopPurgeListener(options: {
  redisUrl: string;
  prefix: string;
  folders: WorkFolders;
  /** How this host is named in the acknowledgements. */
  host: string;
  log: (line: string) => void;
}): Promise<ShopPurgeListener> {
  const { prefix, folders, host, log } = options;
  const subscriber: Redis = createRedisConnection(options.redisUrl);
  const acks: Redis = createRedisConnection(options.redisUrl);
  let handling: Promise<void> = Promise.resolve();

  const purge = async (shop: string) => {
    const { removed, kept } = await folders.removeShop(shop);
    await recordWorkDirPurge(acks, prefix, shop, host, { at: new Date().toISOString(), removed, kept });
    log(
      `work folders: ${shop} purged on ${host}${kept.length ? ` (${kept.length} in use, removed when their jobs stop)` : ""}`,
    );
  };

  subscriber.on("message", (_channel: string, raw: string) => {
    let shop: unknown;
    try {
      shop = (JSON.parse(raw) as WorkDirPurgeMessage).shop;
    } catch {
      shop = undefined;
    }
    if (!isShopDomain(shop)) return log(`work folders: ignored a purge message without a shop domain`);
    handling = handling
      .then(() => purge(shop))
      .catch((error: Error) => log(`work folders: purging ${shop} failed (the sweeper tries again): ${error.message}`));
  });
  subscriber.on("error", (error: Error) => log(`work folders: purge listener: ${error.message}`));
  await subscriber.subscribe(workDirPurgeChannel(prefix));

  return {
    async close() {
      await subscriber.quit().catch(() => subscriber.disconnect());
      await handling;
      await acks.quit().catch(() => acks.disconnect());
    },
  };
}
