import {
  BlockStack,
  Button,
  Card,
  Checkbox,
  InlineGrid,
  InlineStack,
  Select,
  Tag,
  Text,
  TextField,
} from "@shopify/polaris";
import { useState } from "react";
import { CUSTOM_SCENE_MAX_LENGTH, customScene, SCENES } from "../../lib/scenes";

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
}

function SceneGroup({
  kind,
  title,
  help,
  sceneIds,
  onSceneIds,
}: {
  kind: "general" | "specific";
  title: string;
  help: string;
  sceneIds: string[];
  onSceneIds(ids: string[]): void;
}) {
  const scenes = SCENES.filter((s) => s.kind === kind);
  return (
    <fieldset style={{ border: 0, margin: 0, padding: 0, minWidth: 0 }}>
      <legend style={{ padding: 0, marginBottom: "var(--p-space-100)" }}>
        <Text as="span" variant="headingSm">
          {title}
        </Text>
      </legend>
      <BlockStack gap="200">
        <Text as="p" variant="bodySm" tone="subdued">
          {help}
        </Text>
        {scenes.map((scene) => (
          <Checkbox
            key={scene.id}
            label={scene.text.charAt(0).toUpperCase() + scene.text.slice(1)}
            checked={sceneIds.includes(scene.id)}
            onChange={(on) => onSceneIds(on ? [...sceneIds, scene.id] : sceneIds.filter((id) => id !== scene.id))}
          />
        ))}
      </BlockStack>
    </fieldset>
  );
}

/** The 20 scenes (general / specific), the merchant's own scenes, and how many images of each. */
export function ScenePicker({
  limits,
  sceneIds,
  onSceneIds,
  customScenes,
  onCustomScenes,
  imagesPerScene,
  onImagesPerScene,
  daily,
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
            <Button variant="plain" onClick={() => onSceneIds(SCENES.map((s) => s.id))}>
              Select all
            </Button>
            <Button variant="plain" onClick={() => onSceneIds([])}>
              Clear
            </Button>
          </InlineStack>
        </InlineStack>
        <InlineGrid columns={{ xs: 1, md: 2 }} gap="600">
          <SceneGroup
            kind="general"
            title="General scenes"
            help="Short and open: the product stays most faithful."
            sceneIds={sceneIds}
            onSceneIds={onSceneIds}
          />
          <SceneGroup
            kind="specific"
            title="Specific scenes"
            help="Detailed: the image follows the description more closely."
            sceneIds={sceneIds}
            onSceneIds={onSceneIds}
          />
        </InlineGrid>
        <BlockStack gap="200">
          <Text as="h3" variant="headingSm">
            Your own scenes
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
