// The app's webhook subscriptions as shopify.app.toml declares them, which is what Shopify reads
// on `shopify app deploy`: the local store delivers the same topics to the same paths, with the
// same include_fields.
import fs from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { projectRoot } from "../lib/config";
import type { WebhookTopic } from "./webhooks";

export interface Subscription {
  uri: string;
  includeFields?: string[];
}

export type AppSubscriptions = Map<WebhookTopic, Subscription>;

export const APP_CONFIG_PATH = path.join(projectRoot, "shopify.app.toml");

interface TomlSubscription {
  topics?: string[];
  compliance_topics?: string[];
  uri?: string;
  include_fields?: string[];
}

export function parseSubscriptions(toml: string): AppSubscriptions {
  const config = parse(toml) as { webhooks?: { subscriptions?: TomlSubscription[] } };
  const subscriptions: AppSubscriptions = new Map();
  for (const entry of config.webhooks?.subscriptions ?? []) {
    if (!entry.uri) throw new Error("shopify.app.toml: a [[webhooks.subscriptions]] entry has no uri");
    for (const topic of [...(entry.topics ?? []), ...(entry.compliance_topics ?? [])]) {
      subscriptions.set(topic as WebhookTopic, {
        uri: entry.uri,
        ...(entry.include_fields ? { includeFields: entry.include_fields } : {}),
      });
    }
  }
  return subscriptions;
}

/** `[access_scopes] optional_scopes`: what the app may ask the merchant for later. */
export function loadOptionalScopes(file = APP_CONFIG_PATH): string[] {
  const config = parse(fs.readFileSync(file, "utf8")) as { access_scopes?: { optional_scopes?: string[] } };
  return config.access_scopes?.optional_scopes ?? [];
}

export function loadSubscriptions(file = APP_CONFIG_PATH): AppSubscriptions {
  return parseSubscriptions(fs.readFileSync(file, "utf8"));
}
