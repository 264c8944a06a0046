import { BlockStack, Button, Card, InlineStack, Select, Tag, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import { SCENE_THEMES, themeSceneId, themeSuits } from "../../lib/scene-library";
import { CUSTOM_SCENE_MAX_LENGTH, customScene } from "../../lib/scenes";
import { SceneChoices, type PresetChoice } from "./scene-choices";

interface Props {
  limits: { customScenes: number; imagesPerScene: number };
  sceneIds: string[];
  onSceneIds(ids: string[]): void;
  customScenes: string[];
  onCustomScenes(texts: string[]): void;
  imagesPerScene: number;
  onImagesPerScene(n: number): void;
  /** The shop's daily image limit and what is left of it today. */
  daily?: { remaining: number; limit: number };
  /** The shop's brand presets. */
  presets?: readonly PresetChoice[];
  /** The product: library scenes that do not suit it are not offered. */
  product?: { classNoun: string; productType?: string };
}

/** The scene library, brand presets and research set, the merchant's own scenes, and how many images of each. */
export function ScenePicker({
  limits,
  sceneIds,
  onSceneIds,
  customScenes,
  onCustomScenes,
  imagesPerScene,
  onImagesPerScene,
  daily,
  presets = [],
  product,
}: Props) {
  const [draft, setDraft] = useState("");
  const [draftError, setDraftError] = useState<string | undefined>();
  const total = sceneIds.length + customScenes.length;

  const addCustom = () => {
    try {
      const scene = customScene(draft);
      if (customScenes.length >= limits.customScenes)
        throw new Error(`At most ${limits.customScenes} custom scenes per request.`);
      onCustomScenes([...customScenes, scene.text]);
      setDraft("");
      setDraftError(undefined);
    } catch (e) {
      setDraftError((e as Error).message);
    }
  };

  return (
    <Card>
      <BlockStack gap="400">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h2" variant="headingMd">
            Scenes
          </Text>
          <InlineStack gap="200">
            <Button
              variant="plain"
              onClick={() =>
                onSceneIds(
                  SCENE_THEMES.filter((t) => !product || themeSuits(t, product)).flatMap((t) => [
                    themeSceneId(t.key, "general"),
                    themeSceneId(t.key, "specific"),
                  ]),
                )
              }
            >
              Select all
            </Button>
            <Button variant="plain" onClick={() => onSceneIds([])}>
              Clear
            </Button>
          </InlineStack>
        </InlineStack>
        <SceneChoices sceneIds={sceneIds} onSceneIds={onSceneIds} presets={presets} product={product} />
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            Scenes for this request only
          </Text>
          <div
            role="presentation"
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                addCustom();
              }
            }}
          >
            <TextField
              label="Describe a scene"
              placeholder="on a marble kitchen counter"
              value={draft}
              onChange={(v) => {
                setDraft(v);
                setDraftError(undefined);
              }}
              maxLength={CUSTOM_SCENE_MAX_LENGTH}
              showCharacterCount
              autoComplete="off"
              error={draftError}
              helpText={`Plain words, up to ${CUSTOM_SCENE_MAX_LENGTH} characters; at most ${limits.customScenes} scenes.`}
              connectedRight={
                <Button onClick={addCustom} disabled={!draft.trim() || customScenes.length >= limits.customScenes}>
                  Add scene
                </Button>
              }
            />
          </div>
          {customScenes.length > 0 && (
            <InlineStack gap="200">
              {customScenes.map((text, i) => (
                <Tag
                  key={`${i}-${text}`}
                  onRemove={() => onCustomScenes(customScenes.filter((_, j) => j !== i))}
                  accessibilityLabel={`Remove scene ${text}`}
                >
                  {text}
                </Tag>
              ))}
            </InlineStack>
          )}
        </BlockStack>
        <InlineStack gap="400" blockAlign="end">
          <div style={{ width: 180 }}>
            <Select
              label="Images per scene"
              options={Array.from({ length: limits.imagesPerScene }, (_, i) => ({
                label: String(i + 1),
                value: String(i + 1),
              }))}
              value={String(imagesPerScene)}
              onChange={(v) => onImagesPerScene(Number(v))}
            />
          </div>
          <Text as="p" tone="subdued">
            {total} scene{total === 1 ? "" : "s"} × {imagesPerScene} image{imagesPerScene === 1 ? "" : "s"} ={" "}
            {total * imagesPerScene} images to review
            {daily && ` · ${daily.remaining} of ${daily.limit} images left today`}
          </Text>
        </InlineStack>
      </BlockStack>
    </Card>
  );
}
