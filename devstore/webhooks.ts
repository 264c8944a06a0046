import crypto from "node:crypto";
import type { AppSubscriptions } from "./app-config";

export const WEBHOOK_TOPICS = [
  "products/create",
  "products/update",
  "products/delete",
  "app/uninstalled",
  "app/scopes_update",
  "bulk_operations/finish",
  "app_subscriptions/approaching_capped_amount",
  "customers/data_request",
  "customers/redact",
  "shop/redact",
] as const;
export type WebhookTopic = (typeof WEBHOOK_TOPICS)[number];

/**
 * Only the listed fields of a payload, as Shopify applies a subscription's include_fields: top-level
 * names, and nested ones with a period ("media.status"), kept in each element of an array.
 */
export function includeFields(payload: unknown, fields: readonly string[]): unknown {
  const tree = new Map<string, string[]>();
  for (const field of fields) {
    const [head, ...rest] = field.split(".");
    if (!tree.has(head!)) tree.set(head!, []);
    if (rest.length) tree.get(head!)!.push(rest.join("."));
  }
  const pick = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(pick);
    if (!value || typeof value !== "object") return value;
    const out: Record<string, unknown> = {};
    for (const [key, nested] of tree) {
      if (!(key in value)) continue;
      const v = (value as Record<string, unknown>)[key];
      // A field named whole is sent whole, even when a nested part of it is listed too.
      out[key] = nested.length && !fields.includes(key) ? includeFields(v, nested) : v;
    }
    return out;
  };
  return pick(payload);
}

export interface RetryPolicy {
  /** Deliveries after the first one (Shopify: 8 over 4 hours). */
  retries: number;
  /** First retry delay; doubles each time. */
  baseDelayMs: number;
}

export interface WebhookOptions {
  appUrl: string | null;
  apiSecret: string;
  apiVersion: string;
  /** The app's subscriptions (shopify.app.toml): where each topic goes and which fields it carries. */
  subscriptions: AppSubscriptions;
  /** Overrides of the subscriptions' paths. */
  paths?: Partial<Record<WebhookTopic, string>>;
  retry?: Partial<RetryPolicy>;
  /** Shopify waits 5 s for an answer. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export interface DeliveryAttempt {
  webhookId: string;
  eventId: string;
  topic: WebhookTopic;
  shop: string;
  url: string;
  attempt: number;
  status: number | null;
  error: string | null;
  at: string;
}

export interface WebhookEvent {
  eventId: string;
  webhookIds: string[];
  topic: WebhookTopic;
  shop: string;
  triggeredAt: string;
  body: string;
}

/** How many events and delivery attempts are kept for inspection. */
const HISTORY = 1000;

/** base64 HMAC-SHA256 of the raw body with the app secret: the X-Shopify-Hmac-Sha256 header. */
export function webhookHmac(body: string | Buffer, secret: string): string {
  return crypto.createHmac("sha256", secret).update(body).digest("base64");
}

/**
 * Delivers webhooks the way Shopify does: signed, with the X-Shopify-* headers, retried with
 * exponential backoff after a non-2xx answer, a timeout or a refused connection. The duplicate
 * switch sends every event twice (same event id, new webhook id), as Shopify may.
 */
export class WebhookSender {
  duplicates = false;
  readonly attempts: DeliveryAttempt[] = [];
  readonly events: WebhookEvent[] = [];
  private pending = 0;
  private idle: (() => void)[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly retry: RetryPolicy;

  constructor(private readonly options: WebhookOptions) {
    this.retry = { retries: 8, baseDelayMs: 60_000, ...options.retry };
  }

  set appUrl(url: string | null) {
    this.options.appUrl = url;
  }

  urlFor(topic: WebhookTopic): string | null {
    if (!this.options.appUrl) return null;
    const p = this.options.paths?.[topic] ?? this.options.subscriptions.get(topic)?.uri;
    return p ? new URL(p, this.options.appUrl).toString() : null;
  }

  /** Sends `payload` to the app's subscription for the topic; an app not subscribed to it gets nothing. */
  trigger(topic: WebhookTopic, shop: string, payload: unknown): WebhookEvent {
    const subscription = this.options.subscriptions.get(topic);
    const event: WebhookEvent = {
      eventId: crypto.randomUUID(),
      webhookIds: [],
      topic,
      shop,
      triggeredAt: new Date().toISOString(),
      body: JSON.stringify(subscription?.includeFields ? includeFields(payload, subscription.includeFields) : payload),
    };
    this.events.push(event);
    if (this.events.length > HISTORY) this.events.splice(0, this.events.length - HISTORY);
    const url = this.urlFor(topic);
    if (!url) {
      this.options.log?.(
        `webhook ${topic} for ${shop} not delivered: ${this.options.appUrl ? "the app does not subscribe to it" : "no app URL configured"}`,
      );
      return event;
    }
    for (let copy = 0; copy < (this.duplicates ? 2 : 1); copy++) {
      const webhookId = crypto.randomUUID();
      event.webhookIds.push(webhookId);
      this.pending += 1;
      void this.deliver(event, webhookId, url, 0);
    }
    return event;
  }

  private async deliver(event: WebhookEvent, webhookId: string, url: string, attempt: number): Promise<void> {
    if (this.closed) return this.done();
    const record: DeliveryAttempt = {
      webhookId,
      eventId: event.eventId,
      topic: event.topic,
      shop: event.shop,
      url,
      attempt,
      status: null,
      error: null,
      at: new Date().toISOString(),
    };
    try {
      const res = await fetch(url, {
        method: "POST",
        body: event.body,
        headers: {
          "Content-Type": "application/json",
          "X-Shopify-Topic": event.topic,
          "X-Shopify-Hmac-Sha256": webhookHmac(event.body, this.options.apiSecret),
          "X-Shopify-Shop-Domain": event.shop,
          "X-Shopify-API-Version": this.options.apiVersion,
          "X-Shopify-Webhook-Id": webhookId,
          "X-Shopify-Event-Id": event.eventId,
          "X-Shopify-Triggered-At": event.triggeredAt,
          "User-Agent": "Shopify-Captain-Hook (SceneBooth local store)",
        },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      record.status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      record.error = (err as Error).message;
    }
    this.attempts.push(record);
    if (this.attempts.length > HISTORY) this.attempts.splice(0, this.attempts.length - HISTORY);
    const ok = record.status !== null && record.status >= 200 && record.status < 300;
    if (ok || attempt >= this.retry.retries || this.closed) {
      if (!ok)
        this.options.log?.(`webhook ${event.topic} ${webhookId} to ${url} gave up after ${attempt + 1} attempts`);
      return this.done();
    }
    const delay = this.retry.baseDelayMs * 2 ** attempt;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.deliver(event, webhookId, url, attempt + 1);
    }, delay);
    t.unref();
    this.timers.add(t);
  }

  private done(): void {
    this.pending -= 1;
    if (this.pending === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Resolves once every delivery has succeeded or given up. */
  settled(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.pending = 0;
    for (const resolve of this.idle.splice(0)) resolve();
  }
}
