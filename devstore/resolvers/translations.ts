// The shop's languages and translations: shopLocales, translatableResource (a product's title and
// handle, a MediaImage's alt — the resource type Shopify's schema names for an image's alt,
// MEDIA_IMAGE) and translationsRegister, which checks each translation's key, locale and the digest
// of the content it translates, as Shopify does.
import crypto from "node:crypto";
import { parseGid } from "../ids";
import { notImplemented } from "../store";
import type { Ctx } from "../context";
import { requireScope } from "./app-scopes";
import { nowIso, type ShopLocaleRecord, type ShopRecord } from "../state";

/** A new shop speaks English only; tests and the demo add languages (control.setLocales). */
export const DEFAULT_LOCALES: readonly ShopLocaleRecord[] = [
  { locale: "en", name: "English", primary: true, published: true },
];

export function localesOf(shop: ShopRecord): ShopLocaleRecord[] {
  return shop.locales ?? [...DEFAULT_LOCALES];
}

const digest = (value: string) => crypto.createHash("sha256").update(value).digest("hex");

/** The translatable fields of a resource with their current values, or null for an unknown or unsupported resource. */
function contentOf(shop: ShopRecord, resourceId: string): Array<{ key: string; value: string; type: string }> | null {
  const ref = parseGid(resourceId);
  if (ref?.type === "Product") {
    const p = shop.products.find((x) => x.id === ref.id);
    return p
      ? [
          { key: "title", value: p.title, type: "SINGLE_LINE_TEXT_FIELD" },
          { key: "handle", value: p.handle, type: "URI" },
          { key: "body_html", value: p.descriptionHtml, type: "HTML" },
        ]
      : null;
  }
  if (ref?.type === "MediaImage") {
    const f = shop.files.find((x) => x.id === ref.id && x.typename === "MediaImage");
    return f ? [{ key: "alt", value: f.alt ?? "", type: "STRING" }] : null;
  }
  return null;
}

function resourceView(ctx: Ctx, resourceId: string) {
  const content = contentOf(ctx.shop, resourceId);
  if (!content) return null;
  const primary = localesOf(ctx.shop).find((l) => l.primary)?.locale ?? "en";
  const current = new Map(content.map((c) => [c.key, digest(c.value)]));
  return {
    __typename: "TranslatableResource",
    resourceId,
    translatableContent: content.map((c) => ({
      __typename: "TranslatableContent",
      key: c.key,
      value: c.value,
      digest: digest(c.value),
      locale: primary,
      type: c.type,
    })),
    translations: (args: { locale: string; outdated?: boolean | null; marketId?: string | null }) => {
      if (args.marketId) throw notImplemented("Market-specific translations");
      return (ctx.shop.translations ?? [])
        .filter((t) => t.resourceId === resourceId && t.locale === args.locale)
        .map((t) => ({
          __typename: "Translation",
          key: t.key,
          locale: t.locale,
          value: t.value,
          outdated: current.get(t.key) !== t.digest,
          updatedAt: t.updatedAt,
          market: null,
        }))
        .filter((t) => args.outdated == null || t.outdated === args.outdated);
    },
  };
}

interface TranslationInput {
  key: string;
  locale: string;
  value: string;
  translatableContentDigest: string;
  marketId?: string | null;
}

type TranslationUserError = { field: string[]; message: string; code: string };

export const translationQueries = {
  shopLocales(args: { published?: boolean | null }, ctx: Ctx) {
    requireScope(ctx, "shopLocales", "read_locales");
    return localesOf(ctx.shop)
      .filter((l) => !args.published || l.published)
      .map((l) => ({ __typename: "ShopLocale", ...l, marketWebPresences: [] }));
  },
  translatableResource(args: { resourceId: string }, ctx: Ctx) {
    requireScope(ctx, "translatableResource", "read_translations");
    return resourceView(ctx, args.resourceId);
  },
};

export const translationMutations = {
  translationsRegister(args: { resourceId: string; translations: TranslationInput[] }, ctx: Ctx) {
    requireScope(ctx, "translationsRegister", "write_translations");
    const content = contentOf(ctx.shop, args.resourceId);
    const userErrors: TranslationUserError[] = [];
    if (!content) {
      userErrors.push({
        field: ["resourceId"],
        message: `Resource ${args.resourceId} does not exist`,
        code: "RESOURCE_NOT_FOUND",
      });
      return { translations: null, userErrors };
    }
    const locales = localesOf(ctx.shop);
    args.translations.forEach((t, i) => {
      const field = (name: string) => ["translations", String(i), name];
      if (t.marketId) throw notImplemented("Market-specific translations");
      const item = content.find((c) => c.key === t.key);
      if (!item)
        userErrors.push({
          field: field("key"),
          message: `Key ${t.key} is not translatable`,
          code: "INVALID_KEY_FOR_MODEL",
        });
      if (!locales.some((l) => l.locale === t.locale && !l.primary))
        userErrors.push({
          field: field("locale"),
          message: `Locale ${t.locale} is not enabled for this shop`,
          code: "INVALID_LOCALE_FOR_SHOP",
        });
      if (item && digest(item.value) !== t.translatableContentDigest)
        userErrors.push({
          field: field("translatableContentDigest"),
          message: "Translatable content hash is invalid",
          code: "INVALID_TRANSLATABLE_CONTENT",
        });
      if (!t.value.trim()) userErrors.push({ field: field("value"), message: "Value can't be blank", code: "BLANK" });
    });
    if (userErrors.length) return { translations: null, userErrors };

    ctx.shop.translations ??= [];
    const at = nowIso();
    for (const t of args.translations) {
      const existing = ctx.shop.translations.find(
        (x) => x.resourceId === args.resourceId && x.key === t.key && x.locale === t.locale,
      );
      const record = { value: t.value, digest: t.translatableContentDigest, updatedAt: at };
      if (existing) Object.assign(existing, record);
      else ctx.shop.translations.push({ resourceId: args.resourceId, key: t.key, locale: t.locale, ...record });
    }
    ctx.store.changed();
    return {
      translations: args.translations.map((t) => ({
        __typename: "Translation",
        key: t.key,
        locale: t.locale,
        value: t.value,
        outdated: false,
        updatedAt: at,
        market: null,
      })),
      userErrors: [],
    };
  },
};

/** The digest of a resource's translatable field as it is now (what translationsRegister checks). */
export function contentDigest(shop: ShopRecord, resourceId: string, key: string): string {
  const item = contentOf(shop, resourceId)?.find((c) => c.key === key);
  if (!item) throw new Error(`${resourceId} has no translatable field ${key}`);
  return digest(item.value);
}
