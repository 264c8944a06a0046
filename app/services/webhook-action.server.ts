// Every webhook route's frame: the delivery is authenticated (HMAC: 401), its shop domain checked
// (malformed: 400, not a 500 with a stack), deliveries from shops that never installed SceneBooth are
// answered and dropped (nothing recorded for them), and an outage of the database or the job queue
// answers 503 at once, so that Shopify retries the delivery later.
import type { ActionFunctionArgs } from "@remix-run/node";
import { db, isDatabaseUnavailable } from "../../lib/db";
import { isRedisUnavailable } from "../../lib/queue/connection";
import { isShopDomain } from "../../lib/shop-domain";
import { authenticate } from "../shopify.server";
import { topicName } from "./webhooks.server";
import { log } from "../../lib/log";

export type WebhookContext = Awaited<ReturnType<typeof authenticate.webhook>>;

export interface WebhookActionOptions {
  /** Handled for any shop, installed or not: the mandatory compliance topics. */
  anyShop?: boolean;
}

const malformedShop = () => new Response("X-Shopify-Shop-Domain is not a shop domain", { status: 400 });

async function authenticateWebhook(request: Request): Promise<WebhookContext> {
  const context = await authenticate.webhook(request).catch((error: unknown) => {
    // The library's own answers (401 for a bad signature, 405) go out as they are; a signed
    // delivery naming no shop fails in its session lookup.
    if (!(error instanceof Response) && !isShopDomain(request.headers.get("X-Shopify-Shop-Domain")))
      throw malformedShop();
    throw error;
  });
  if (!isShopDomain(context.shop)) throw malformedShop();
  return context;
}

/** A shop SceneBooth knows: it has an offline session (installed) or a Shop row (data to act on). */
async function isKnownShop(context: WebhookContext): Promise<boolean> {
  if (context.session) return true;
  return (await db().shop.count({ where: { shop: context.shop } })) > 0;
}

export function webhookAction(
  handle: (context: WebhookContext) => Promise<Response | void>,
  options: WebhookActionOptions = {},
) {
  return async ({ request }: ActionFunctionArgs): Promise<Response> => {
    const context = await authenticateWebhook(request);
    const topic = topicName(context.topic);
    try {
      if (!options.anyShop && !(await isKnownShop(context))) {
        log.info(`${topic} for ${context.shop}: the shop has not installed SceneBooth; nothing to do`);
        return new Response();
      }
      return (await handle(context)) ?? new Response();
    } catch (error) {
      if (!isRedisUnavailable(error) && !isDatabaseUnavailable(error)) throw error;
      log.error(`${topic} for ${context.shop}: answered 503 for a retry (${(error as Error).message})`);
      return new Response("SceneBooth is busy; deliver again later.", {
        status: 503,
        headers: { "Retry-After": "60" },
      });
    }
  };
}
