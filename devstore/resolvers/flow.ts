// Shopify Flow's trigger endpoint in the local store: flowTriggerReceive(handle, payload) for the
// triggers the app declares (extensions/*/shopify.extension.toml, type flow_trigger), which is what
// Shopify knows of an app's triggers once it is deployed. The payload is checked against the
// trigger's fields as Flow does (a reference field is `<type>_id` and must name a record of the
// shop; custom fields by their key and type; nothing else; at most 50 kB) and recorded on the shop,
// so a test can read what was sent (control.flowTriggers).
//
// Stand-in simplification: no workflow runs; a received trigger is only recorded.
import fs from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { projectRoot } from "../../lib/config";
import type { Ctx } from "../context";
import { nowIso, type ShopRecord } from "../state";

export interface FlowTriggerField {
  type: string;
  key?: string;
}

export interface FlowTriggerDefinition {
  handle: string;
  fields: FlowTriggerField[];
}

export interface ReceivedFlowTrigger {
  handle: string;
  payload: Record<string, unknown>;
  receivedAt: string;
}

type ShopWithFlow = ShopRecord & { flowTriggers?: ReceivedFlowTrigger[] };

const MAX_PAYLOAD_BYTES = 50_000;

/** The flow_trigger extensions in the app's extensions folder. */
export function appFlowTriggers(dir = path.join(projectRoot, "extensions")): FlowTriggerDefinition[] {
  const triggers: FlowTriggerDefinition[] = [];
  for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const file = path.join(dir, entry, "shopify.extension.toml");
    if (!fs.existsSync(file)) continue;
    const toml = parse(fs.readFileSync(file, "utf8")) as {
      extensions?: Array<{ type?: string; handle?: string }>;
      settings?: { fields?: FlowTriggerField[] };
    };
    for (const extension of toml.extensions ?? []) {
      if (extension.type === "flow_trigger" && extension.handle)
        triggers.push({ handle: extension.handle, fields: toml.settings?.fields ?? [] });
    }
  }
  return triggers;
}

export function receivedFlowTriggers(shop: ShopRecord): ReceivedFlowTrigger[] {
  const s = shop as ShopWithFlow;
  s.flowTriggers ??= [];
  return s.flowTriggers;
}

const isInteger = (v: unknown) => typeof v === "number" && Number.isInteger(v);

function fieldProblem(field: FlowTriggerField, value: unknown, ctx: Ctx): string | null {
  switch (field.type) {
    case "product_reference":
      if (!isInteger(value)) return "must be a product's numeric id";
      return ctx.shop.products.some((p) => p.id === value) ? null : "is not a product of this shop";
    case "number_integer":
      return isInteger(value) ? null : "must be an integer";
    case "number_decimal":
      return typeof value === "number" ? null : "must be a number";
    case "boolean":
      return typeof value === "boolean" ? null : "must be true or false";
    case "url":
      try {
        return typeof value === "string" && /^https?:$/.test(new URL(value).protocol) ? null : "must be a URL";
      } catch {
        return "must be a URL";
      }
    case "single_line_text_field":
      return typeof value === "string" && !value.includes("\n") ? null : "must be one line of text";
    case "multi_line_text_field":
    case "email":
      return typeof value === "string" ? null : "must be text";
    default:
      return null;
  }
}

/** The payload key of a field: a reference field's is `<type>_id` (product_reference: product_id). */
const payloadKey = (field: FlowTriggerField) =>
  field.type.endsWith("_reference") ? `${field.type.slice(0, -"_reference".length)}_id` : field.key!;

export const flowMutations = {
  flowTriggerReceive(args: { handle?: string | null; payload?: unknown; body?: string | null }, ctx: Ctx) {
    const fail = (field: string[] | null, message: string) => ({ userErrors: [{ field, message }] });
    if (args.body != null) return fail(["body"], "Use `payload` and `handle` to execute your Flow trigger.");
    const trigger = appFlowTriggers().find((t) => t.handle === args.handle);
    if (!trigger) return fail(["handle"], `Invalid handle: no Flow trigger "${args.handle ?? ""}" in this app.`);
    const payload = args.payload;
    if (!payload || typeof payload !== "object" || Array.isArray(payload))
      return fail(["payload"], "The payload must be a JSON object.");
    if (Buffer.byteLength(JSON.stringify(payload)) > MAX_PAYLOAD_BYTES)
      return fail(["payload"], `The payload must not exceed ${MAX_PAYLOAD_BYTES / 1000} kB.`);
    const values = payload as Record<string, unknown>;
    const keys = new Set(trigger.fields.map(payloadKey));
    const errors = [
      ...Object.keys(values)
        .filter((k) => !keys.has(k))
        .map((k) => ({ field: ["payload", k], message: `"${k}" is not a field of this trigger.` })),
      ...trigger.fields.flatMap((field) => {
        const key = payloadKey(field);
        const problem = key in values ? fieldProblem(field, values[key], ctx) : "is missing";
        return problem ? [{ field: ["payload", key], message: `"${key}" ${problem}.` }] : [];
      }),
    ];
    if (errors.length) return { userErrors: errors };
    receivedFlowTriggers(ctx.shop).push({ handle: trigger.handle, payload: values, receivedAt: nowIso() });
    ctx.store.changed();
    return { userErrors: [] };
  },
};
