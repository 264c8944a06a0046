import { BlockStack, Button, Card, InlineStack, Select, Text, TextField } from "@shopify/polaris";
import { useFetcher } from "@remix-run/react";
import { useEffect, useState } from "react";
import { CUSTOM_SCENE_MAX_LENGTH, MAX_BRAND_PRESETS, PRESET_NAME_MAX_LENGTH } from "../../lib/scenes";
import type { PresetChoice } from "./scene-choices";
import { useResultToast } from "./use-toast";

/** What app/routes/app.brand-presets answers. */
type PresetResult =
  { ok: true; message: string } | { ok: false; error: string; field?: "name" | "kind" | "text" | null };

const KIND_OPTIONS = [
  { label: "General: short and open", value: "general" },
  { label: "Specific: detailed", value: "specific" },
];

/** The shop's own scenes: save one (name + wording), change one, delete one. */
export function BrandPresetsCard({ presets }: { presets: readonly PresetChoice[] }) {
  const save = useFetcher<PresetResult>();
  const remove = useFetcher<PresetResult>();
  useResultToast(save.data);
  useResultToast(remove.data);
  const [name, setName] = useState("");
  const [kind, setKind] = useState("general");
  const [text, setText] = useState("");
  /** The preset whose name and wording the form holds; null: the form adds a new one. */
  const [editing, setEditing] = useState<PresetChoice | null>(null);
  const failed = save.data && !save.data.ok ? save.data : null;
  const reset = () => {
    setEditing(null);
    setName("");
    setKind("general");
    setText("");
  };
  useEffect(() => {
    if (save.state === "idle" && save.data?.ok) reset();
  }, [save.state, save.data]);
  // A preset deleted while the form holds it: back to adding one.
  useEffect(() => {
    if (editing && !presets.some((p) => p.id === editing.id)) reset();
  }, [presets, editing]);
  const edit = (preset: PresetChoice) => {
    setEditing(preset);
    setName(preset.name);
    setKind(preset.kind);
    setText(preset.text);
  };
  const full = presets.length >= MAX_BRAND_PRESETS;

  return (
    <Card>
      <BlockStack gap="400">
        {presets.length === 0 ? (
          <Text as="p" tone="subdued">
            No presets yet. Save the scenes your brand uses again and again, e.g. your shop&apos;s counter.
          </Text>
        ) : (
          <BlockStack gap="200">
            {presets.map((p) => (
              <InlineStack key={p.id} align="space-between" blockAlign="center" wrap={false} gap="300">
                <BlockStack gap="050">
                  <Text as="span" fontWeight="semibold">
                    {p.name}
                  </Text>
                  <Text as="span" variant="bodySm" tone="subdued">
                    {p.kind === "general" ? "General" : "Specific"}: {p.text}
                  </Text>
                </BlockStack>
                <InlineStack gap="300" wrap={false}>
                  <Button variant="plain" accessibilityLabel={`Change preset ${p.name}`} onClick={() => edit(p)}>
                    Change
                  </Button>
                  <Button
                    variant="plain"
                    tone="critical"
                    accessibilityLabel={`Delete preset ${p.name}`}
                    loading={remove.state !== "idle" && remove.formData?.get("id") === p.id}
                    onClick={() =>
                      remove.submit({ intent: "delete", id: p.id }, { method: "post", action: "/app/brand-presets" })
                    }
                  >
                    Delete
                  </Button>
                </InlineStack>
              </InlineStack>
            ))}
          </BlockStack>
        )}
        <BlockStack gap="300">
          {editing && (
            <Text as="h3" variant="headingSm">
              Changing “{editing.name}”
            </Text>
          )}
          <TextField
            label="Preset name"
            value={name}
            onChange={setName}
            maxLength={PRESET_NAME_MAX_LENGTH}
            autoComplete="off"
            placeholder="Our shop counter"
            error={failed?.field === "name" ? failed.error : undefined}
          />
          <Select label="Wording" options={KIND_OPTIONS} value={kind} onChange={setKind} />
          <TextField
            label="Scene description"
            value={text}
            onChange={setText}
            maxLength={CUSTOM_SCENE_MAX_LENGTH}
            showCharacterCount
            autoComplete="off"
            placeholder="on the oak counter of our shop beside a green plant"
            helpText="Plain words that finish “a photo of your product …”."
            error={failed?.field === "text" ? failed.error : undefined}
          />
          {failed && !failed.field && (
            <Text as="p" tone="critical">
              {failed.error}
            </Text>
          )}
          <InlineStack align="end" gap="200">
            {editing && <Button onClick={reset}>Cancel</Button>}
            <Button
              onClick={() =>
                save.submit(
                  editing
                    ? { intent: "update", id: editing.id, name, kind, text }
                    : { intent: "create", name, kind, text },
                  { method: "post", action: "/app/brand-presets" },
                )
              }
              loading={save.state !== "idle"}
              disabled={(!editing && full) || !name.trim() || !text.trim()}
            >
              {editing ? "Save preset" : "Add preset"}
            </Button>
          </InlineStack>
          <Text as="p" variant="bodySm" tone="subdued">
            {presets.length} of {MAX_BRAND_PRESETS} presets. Presets appear with the scenes in the studio and in default
            scenes below.
          </Text>
        </BlockStack>
      </BlockStack>
    </Card>
  );
}
