import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { SaveBar } from "@shopify/app-bridge-react";
import {
  Banner,
  BlockStack,
  Card,
  Checkbox,
  InlineGrid,
  Layout,
  Page,
  Select,
  Text,
  TextField,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import { isPresetSceneId } from "../../lib/scenes";
import type { ShopSettings } from "../../lib/shop-settings";
import { BrandPresetsCard } from "../components/brand-presets-card";
import { SceneChoices } from "../components/scene-choices";
import { FastLaneCheckbox } from "../components/mode-picker";
import { useResultToast } from "../components/use-toast";
import {
  loadSettings,
  requestTranslationScopes,
  saveSettings,
  type SettingsFieldErrors,
} from "../services/settings.server";
import { shopContext } from "../services/shop-context.server";

export const loader = async ({ request }: LoaderFunctionArgs) => loadSettings(await shopContext(request));

export const action = async ({ request }: ActionFunctionArgs) => {
  const ctx = await shopContext(request);
  const form = await request.formData();
  if (form.get("intent") === "grant-translations") {
    // Shopify's grant page again (a redirect) while the scopes are missing; nothing when they are granted.
    await requestTranslationScopes(request);
    return {
      ok: true as const,
      message: "SceneBooth may manage translations",
      settings: (await loadSettings(ctx)).settings,
    };
  }
  const result = await saveSettings(ctx, form);
  if (result.ok && result.settings.translateAltText) await requestTranslationScopes(request);
  return result.ok
    ? { ok: true as const, message: "Settings saved", settings: result.settings }
    : { ok: false as const, error: "Some settings need fixing.", errors: result.errors };
};

/** The form's text fields keep what the merchant typed; numbers are parsed on save. */
interface Draft {
  autoGenerate: boolean;
  defaultSceneIds: string[];
  imagesPerScene: string;
  itmThreshold: string;
  fidelityFloorDino: string;
  fidelityFloorClipI: string;
  autoPublish: boolean;
  translateAltText: boolean;
  allowLowDiversity: boolean;
  fastLane: boolean;
  monthlyCapUsd: string;
}

const text = (v: number | null) => (v === null ? "" : String(v));
const toDraft = (s: ShopSettings): Draft => ({
  autoGenerate: s.autoGenerate,
  defaultSceneIds: s.defaultSceneIds,
  imagesPerScene: String(s.imagesPerScene),
  itmThreshold: String(s.itmThreshold),
  fidelityFloorDino: text(s.fidelityFloorDino),
  fidelityFloorClipI: text(s.fidelityFloorClipI),
  autoPublish: s.autoPublish,
  translateAltText: s.translateAltText,
  allowLowDiversity: s.allowLowDiversity,
  fastLane: s.fastLane,
  monthlyCapUsd: text(s.monthlyCapUsd),
});
const same = (a: Draft, b: Draft) =>
  JSON.stringify({ ...a, defaultSceneIds: [...a.defaultSceneIds].sort() }) ===
  JSON.stringify({ ...b, defaultSceneIds: [...b.defaultSceneIds].sort() });

export default function SettingsPage() {
  const data = useLoaderData<typeof loader>();
  const fetcher = useFetcher<typeof action>();
  const [saved, setSaved] = useState(() => toDraft(data.settings));
  const [draft, setDraft] = useState(saved);
  const errors: SettingsFieldErrors = fetcher.data && !fetcher.data.ok ? fetcher.data.errors : {};
  useResultToast(fetcher.data);
  useEffect(() => {
    if (fetcher.data?.ok) {
      const next = toDraft(fetcher.data.settings);
      setSaved(next);
      setDraft(next);
    }
  }, [fetcher.data]);

  // A preset deleted on this page leaves the default scenes.
  useEffect(() => {
    const kept = (d: Draft) => {
      const ids = d.defaultSceneIds.filter((id) => !isPresetSceneId(id) || data.presets.some((p) => p.id === id));
      return ids.length === d.defaultSceneIds.length ? d : { ...d, defaultSceneIds: ids };
    };
    setSaved(kept);
    setDraft(kept);
  }, [data.presets]);

  const dirty = !same(draft, saved);
  const set =
    <K extends keyof Draft>(key: K) =>
    (value: Draft[K]) =>
      setDraft((d) => ({ ...d, [key]: value }));
  const save = () => {
    const form = new FormData();
    if (draft.autoGenerate) form.set("autoGenerate", "on");
    if (draft.autoPublish) form.set("autoPublish", "on");
    if (draft.translateAltText) form.set("translateAltText", "on");
    if (draft.allowLowDiversity) form.set("allowLowDiversity", "on");
    if (draft.fastLane) form.set("fastLane", "on");
    for (const id of draft.defaultSceneIds) form.append("defaultSceneId", id);
    for (const key of [
      "imagesPerScene",
      "itmThreshold",
      "fidelityFloorDino",
      "fidelityFloorClipI",
      "monthlyCapUsd",
    ] as const)
      form.set(key, draft[key]);
    fetcher.submit(form, { method: "post" });
  };

  // App Bridge's save bar (shown by the Shopify admin, outside the app's frame): its Save and
  // Discard click these buttons. `loading` is an attribute: present (empty) while saving.
  return (
    <>
      <SaveBar id="settings-save-bar" open={dirty}>
        <button variant="primary" loading={fetcher.state !== "idle" ? "" : undefined} onClick={save}>
          Save
        </button>
        <button onClick={() => setDraft(saved)}>Discard</button>
      </SaveBar>
      <Page title="Settings" backAction={{ content: "Products", url: "/app" }}>
        <Layout>
          <Layout.AnnotatedSection
            title="New products"
            description="Generate scenes as soon as a product is added, with these scenes."
          >
            <Card>
              <BlockStack gap="400">
                <Checkbox
                  label="Generate scenes for new products automatically"
                  helpText="Runs when a product with photos is created; you still review every image."
                  checked={draft.autoGenerate}
                  onChange={set("autoGenerate")}
                />
                <Text as="h3" variant="headingSm">
                  Default scenes
                </Text>
                <Text as="p" variant="bodySm" tone="subdued">
                  Used for new products and by “Generate scenes” on several products at once. A scene that does not suit
                  a product (a sofa on a kitchen counter) is skipped for it.
                </Text>
                <SceneChoices
                  sceneIds={draft.defaultSceneIds}
                  onSceneIds={set("defaultSceneIds")}
                  presets={data.presets}
                />
                {errors.defaultSceneIds && (
                  <Text as="p" tone="critical">
                    {errors.defaultSceneIds}
                  </Text>
                )}
                <Checkbox
                  label="Continue when all of a product’s photos share one background"
                  helpText="For catalogs of packshots on white or grey. Off: such products stop at the photo check, before any GPU time. On: they go on, and the scenes may keep that background. The studio asks for each product."
                  checked={draft.allowLowDiversity}
                  onChange={set("allowLowDiversity")}
                />
                <FastLaneCheckbox checked={draft.fastLane} onChange={set("fastLane")} />
                <div style={{ maxWidth: 200 }}>
                  <Select
                    label="Images per scene"
                    options={Array.from({ length: data.maxImagesPerScene }, (_, i) => String(i + 1))}
                    value={draft.imagesPerScene}
                    onChange={set("imagesPerScene")}
                    error={errors.imagesPerScene}
                  />
                </div>
              </BlockStack>
            </Card>
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection
            title="Brand presets"
            description="Your own scenes, saved once: pick them in the studio, and in default scenes above."
          >
            <BrandPresetsCard presets={data.presets} />
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection title="Publishing" description="What happens to the images you have not looked at.">
            <Card>
              <BlockStack gap="300">
                <Checkbox
                  label="Publish best matches without review"
                  helpText="Off by default: every image waits for your approval."
                  checked={draft.autoPublish}
                  onChange={set("autoPublish")}
                />
                {draft.autoPublish && (
                  <Banner
                    tone="warning"
                    title="Images will go live on your product pages without anyone looking at them"
                  >
                    <p>
                      The scores catch most bad images, not all: a wrong colour, an extra strap or a copied background
                      can slip through. Keep this off unless you check your product pages regularly.
                    </p>
                  </Banner>
                )}
                <Checkbox
                  label="Alt text in your store's languages"
                  helpText="Each published image's alt text also in your store's other published languages. Turning this on asks you to let SceneBooth manage translations."
                  checked={draft.translateAltText}
                  onChange={set("translateAltText")}
                />
                {data.translationScopesMissing && saved.translateAltText && (
                  <Banner
                    tone="warning"
                    title="Translations are not allowed yet"
                    action={{
                      content: "Allow translations",
                      onAction: () => fetcher.submit({ intent: "grant-translations" }, { method: "post" }),
                    }}
                  >
                    <p>
                      Your store has not let SceneBooth manage translations, so published images get alt text in your
                      main language only.
                    </p>
                  </Banner>
                )}
              </BlockStack>
            </Card>
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection
            title="Spending"
            description="SceneBooth stops starting new requests once the month's cap is reached."
          >
            <Card>
              <TextField
                label="Monthly spending cap"
                type="number"
                min={0}
                step={1}
                prefix="$"
                value={draft.monthlyCapUsd}
                onChange={set("monthlyCapUsd")}
                autoComplete="off"
                placeholder="No cap"
                error={errors.monthlyCapUsd}
                helpText={`Spent this month: $${data.spentThisMonthUsd.toFixed(2)}.`}
              />
            </Card>
          </Layout.AnnotatedSection>
          <Layout.AnnotatedSection
            title="Advanced"
            description="Which images count as best matches: shown first, and the only ones auto-publishing may publish. The defaults suit most shops."
          >
            <Card>
              <BlockStack gap="400">
                <TextField
                  label="Best-match threshold"
                  type="number"
                  min={0}
                  max={1}
                  step={0.01}
                  value={draft.itmThreshold}
                  onChange={set("itmThreshold")}
                  autoComplete="off"
                  error={errors.itmThreshold}
                  helpText="How sure SceneBooth must be that an image shows the scene you asked for, from 0 to 1. Higher: fewer, surer best matches. The research behind SceneBooth uses 0.9 (measured by BLIP's image–text matching)."
                />
                <Text as="p">Minimum likeness to your photos</Text>
                <InlineGrid columns={2} gap="400">
                  <TextField
                    label="Shape and details"
                    type="number"
                    min={0}
                    max={1}
                    step={0.01}
                    value={draft.fidelityFloorDino}
                    onChange={set("fidelityFloorDino")}
                    autoComplete="off"
                    placeholder={
                      data.defaultFloors.dino === null ? "No minimum" : `Default (${data.defaultFloors.dino})`
                    }
                    error={errors.fidelityFloorDino}
                    helpText="Compares the product's shape and fine details with your photos (DINO)."
                  />
                  <TextField
                    label="Overall look"
                    type="number"
                    min={0}
                    max={1}
                    step={0.01}
                    value={draft.fidelityFloorClipI}
                    onChange={set("fidelityFloorClipI")}
                    autoComplete="off"
                    placeholder={
                      data.defaultFloors.clipI === null ? "No minimum" : `Default (${data.defaultFloors.clipI})`
                    }
                    error={errors.fidelityFloorClipI}
                    helpText="Compares the product's overall look, colours and style with your photos (CLIP)."
                  />
                </InlineGrid>
                <Text as="p" variant="bodySm" tone="subdued">
                  An image whose product looks less like your photos than a minimum is never a best match (and never
                  published automatically), however well it fits the scene. Leave empty for SceneBooth&apos;s defaults.
                </Text>
              </BlockStack>
            </Card>
          </Layout.AnnotatedSection>
        </Layout>
      </Page>
    </>
  );
}
