import { BlockStack, Button, Checkbox, Collapsible, InlineGrid, Text } from "@shopify/polaris";
import { useState } from "react";
import { SCENE_CATEGORIES, SCENE_THEMES, themeSceneId, themeSuits } from "../../lib/scene-library";
import { SCENES, type Scene } from "../../lib/scenes";

export interface PresetChoice extends Scene {
  name: string;
}

interface Props {
  sceneIds: string[];
  onSceneIds(ids: string[]): void;
  presets: readonly PresetChoice[];
  /** The product, in the studio: scenes that do not suit it are left out unless already picked. */
  product?: { classNoun: string; productType?: string };
}

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function Group({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <fieldset style={{ border: 0, margin: 0, padding: 0, minWidth: 0 }}>
      <legend style={{ padding: 0, marginBottom: "var(--p-space-200)" }}>
        <Text as="span" variant="headingSm">
          {title}
        </Text>
      </legend>
      {children}
    </fieldset>
  );
}

/** The scene library by category (general and specific wordings side by side), the shop's brand presets, and the research set. */
export function SceneChoices({ sceneIds, onSceneIds, presets, product }: Props) {
  const [researchOpen, setResearchOpen] = useState(() => SCENES.some((s) => sceneIds.includes(s.id)));
  const picked = new Set(sceneIds);
  const box = (id: string, label: string, helpText?: string) => (
    <Checkbox
      key={id}
      label={label}
      helpText={helpText}
      checked={picked.has(id)}
      onChange={(on) => onSceneIds(on ? [...sceneIds, id] : sceneIds.filter((x) => x !== id))}
    />
  );
  const shown = (key: string) =>
    !product ||
    themeSuits(
      SCENE_THEMES.find((t) => t.key === key)!,
      product,
    ) ||
    picked.has(themeSceneId(key, "general")) ||
    picked.has(themeSceneId(key, "specific"));
  const hidden = SCENE_THEMES.filter((t) => !shown(t.key));

  return (
    <BlockStack gap="500">
      <InlineGrid columns={2} gap="400">
        <Text as="p" variant="bodySm" tone="subdued">
          General: short and open; the product stays most faithful.
        </Text>
        <Text as="p" variant="bodySm" tone="subdued">
          Specific: detailed; the image follows the description more closely.
        </Text>
      </InlineGrid>
      {SCENE_CATEGORIES.map((category) => {
        const themes = SCENE_THEMES.filter((t) => t.category === category.id && shown(t.key));
        if (themes.length === 0) return null;
        return (
          <Group key={category.id} title={category.label}>
            <InlineGrid columns={{ xs: 1, md: 2 }} gap="200">
              {themes.flatMap((theme) => [
                box(themeSceneId(theme.key, "general"), sentence(theme.general)),
                box(themeSceneId(theme.key, "specific"), sentence(theme.specific)),
              ])}
            </InlineGrid>
          </Group>
        );
      })}
      {hidden.length > 0 && product && (
        <Text as="p" variant="bodySm" tone="subdued">
          Not shown, as they do not suit a {product.classNoun}: {hidden.map((t) => t.name.toLowerCase()).join(", ")}.
        </Text>
      )}
      {presets.length > 0 && (
        <Group title="Your brand presets">
          <BlockStack gap="100">{presets.map((p) => box(p.id, p.name, `${sentence(p.kind)}: ${p.text}`))}</BlockStack>
        </Group>
      )}
      <BlockStack gap="200">
        <div>
          <Button
            variant="plain"
            disclosure={researchOpen ? "up" : "down"}
            ariaExpanded={researchOpen}
            ariaControls="research-scenes"
            onClick={() => setResearchOpen((open) => !open)}
          >
            Research set (the 20 scenes of the paper behind SceneBooth)
          </Button>
        </div>
        <Collapsible open={researchOpen} id="research-scenes">
          <InlineGrid columns={{ xs: 1, md: 2 }} gap="200">
            {(["general", "specific"] as const).map((kind) => (
              <BlockStack key={kind} gap="100">
                {SCENES.filter((s) => s.kind === kind).map((s) => box(s.id, sentence(s.text)))}
              </BlockStack>
            ))}
          </InlineGrid>
        </Collapsible>
      </BlockStack>
    </BlockStack>
  );
}
