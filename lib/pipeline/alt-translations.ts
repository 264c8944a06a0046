// Alt text of a published image in the shop's other languages, translated here: the product's title
// as the shop translated it in Shopify (its own title where it has none) and the scene from the
// phrase table (lib/scene-phrases.ts). What cannot be translated here is not registered, and
// Shopify shows the primary-language alt text for it: scenes without a phrase (specific, custom),
// and alt text the merchant edited in Shopify (it no longer is SceneBooth's template).
import type { PrismaClient } from "../db";
import { log } from "../log";
import { translatedAltText } from "../prompts";
import { readShopSettings } from "../shop-settings";
import { scenePhrase } from "../scene-phrases";
import {
  assertNoUserErrors,
  ShopLocalesDocument,
  TranslatableResourceDocument,
  TranslationsRegisterDocument,
  type AdminClient,
} from "../shopify-admin";

export interface AltTranslationInput {
  mediaId: string;
  productId: string;
  productTitle: string;
  sceneId: string;
  /** The English alt text SceneBooth set; a different alt on the image is the merchant's edit. */
  alt: string;
}

export interface AltTranslationOutcome {
  registered: string[];
  /** Locales left to Shopify's fallback (the primary-language alt text), with why. */
  untranslated: Array<{ locale: string; reason: "no-phrase" | "edited" }>;
}

export async function registerAltTranslations(
  admin: AdminClient,
  input: AltTranslationInput,
): Promise<AltTranslationOutcome> {
  const { shopLocales } = await admin.request(ShopLocalesDocument, {});
  const locales = shopLocales.filter((l) => !l.primary).map((l) => l.locale);
  const outcome: AltTranslationOutcome = { registered: [], untranslated: [] };
  if (locales.length === 0) return outcome;

  const media = await admin.request(TranslatableResourceDocument, { resourceId: input.mediaId, locale: locales[0]! });
  const alt = media.translatableResource?.translatableContent.find((c) => c.key === "alt");
  if (!alt?.digest || alt.value !== input.alt) {
    outcome.untranslated = locales.map((locale) => ({ locale, reason: "edited" as const }));
    return outcome;
  }
  const translations = [];
  for (const locale of locales) {
    const phrase = scenePhrase(input.sceneId, locale);
    if (!phrase) {
      outcome.untranslated.push({ locale, reason: "no-phrase" });
      continue;
    }
    const product = await admin.request(TranslatableResourceDocument, { resourceId: input.productId, locale });
    const title =
      product.translatableResource?.translations.find((t) => t.key === "title" && !t.outdated && t.value)?.value ??
      input.productTitle;
    translations.push({
      key: "alt",
      locale,
      value: translatedAltText(title, phrase),
      translatableContentDigest: alt.digest,
    });
  }
  if (translations.length > 0) {
    const result = await admin.request(TranslationsRegisterDocument, { resourceId: input.mediaId, translations });
    assertNoUserErrors("translationsRegister", result.translationsRegister?.userErrors);
    outcome.registered = translations.map((t) => t.locale);
  }
  return outcome;
}

/** The optional scopes alt text translations need (shopify.app.toml's optional_scopes). */
export const TRANSLATION_SCOPES = ["write_translations", "read_locales"] as const;

/** Whether a granted scope list (Shopify's comma-separated form) covers the translation scopes; write_ implies read_. */
export function hasTranslationScopes(scope: string | null | undefined): boolean {
  const granted = new Set((scope ?? "").split(",").map((s) => s.trim()));
  return TRANSLATION_SCOPES.every((needed) => granted.has(needed) || granted.has(needed.replace(/^read_/, "write_")));
}

/** Whether the shop's offline session holds the translation scopes (the merchant may have declined the grant). */
export async function translationScopesGranted(client: PrismaClient, shop: string): Promise<boolean> {
  const session = await client.session.findFirst({ where: { shop, isOnline: false }, select: { scope: true } });
  return hasTranslationScopes(session?.scope);
}

/**
 * After an image is published: its alt text in the shop's other languages when the shop turned
 * that on in Settings and granted the optional scopes; otherwise nothing is sent. Never fails the
 * publish: what could not be registered is logged, and Shopify shows the primary-language alt text.
 */
export async function translateAlt(
  client: PrismaClient,
  admin: AdminClient,
  shop: string,
  input: AltTranslationInput,
): Promise<AltTranslationOutcome | null> {
  const settings = await readShopSettings(client, shop);
  if (!settings.translateAltText) return null;
  if (!(await translationScopesGranted(client, shop))) {
    log.warn({ shop }, "alt text translations are on, but the store has not granted the translation scopes");
    return null;
  }
  try {
    const outcome = await registerAltTranslations(admin, input);
    if (outcome.untranslated.length > 0) log.info({ shop, outcome }, "alt text left untranslated for some languages");
    return outcome;
  } catch (error) {
    log.warn({ shop, err: error }, "alt text translations could not be registered");
    return null;
  }
}
