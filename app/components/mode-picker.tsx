// Which kinds of images a request makes (issue #19): tuned scenes, exact-product images, or both.
import { Badge, BlockStack, Card, Checkbox, ChoiceList, Text } from "@shopify/polaris";
import { EXACT_BEING_CHECKED, type ModeChoice } from "../../lib/pipeline/generation-modes";
import { GENERATION_MODE_LABELS, generationModeText } from "../../lib/state-labels";
import type { PhotoCheckView } from "./photo-check-types";

/**
 * Exact mode needs a photo the product can be cut out of (a plain backdrop, or a busy one the
 * segmentation model separates): true when the check found none among the photos it would use.
 * While the model's check is pending, the border-only check cannot say no.
 */
export function noPackshot(check: PhotoCheckView | null): boolean {
  if (check?.modelCheck === "pending") return false;
  const used = check?.photos.filter((p) => p.use) ?? [];
  return used.length > 0 && used.every((p) => p.cutOut === false);
}

/** Exact mode's note while the model's check is pending and no used photo is cut out by its border matte. */
export function exactBeingChecked(check: PhotoCheckView | null): boolean {
  const used = check?.photos.filter((p) => p.use) ?? [];
  return check?.modelCheck === "pending" && used.length > 0 && used.every((p) => p.cutOut === false);
}

interface Props {
  value: ModeChoice;
  onChange(value: ModeChoice): void;
  /** What each choice costs, in words (from the studio's loader: prices live in lib/usage.ts). */
  prices: Record<ModeChoice, string>;
  /** Why exact-product images cannot be made from the picked photos; null when they can. */
  exactProblem: string | null;
  /** Whether they can is being checked (not a problem yet: Start is not held up). */
  exactChecking?: boolean;
  disabled?: boolean;
}

export function ModePicker({ value, onChange, prices, exactProblem, exactChecking = false, disabled }: Props) {
  const exactOff = exactProblem !== null;
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h2" variant="headingMd">
          Kind of images
        </Text>
        <ChoiceList
          title="Kind of images"
          titleHidden
          disabled={disabled}
          selected={[value]}
          onChange={(selected) => onChange((selected[0] as ModeChoice | undefined) ?? "tuned")}
          choices={[
            {
              label: `${GENERATION_MODE_LABELS.tuned} scenes`,
              value: "tuned",
              helpText: `SceneBooth learns your product from its photos and paints whole scenes with it. ${prices.tuned}`,
            },
            {
              label: GENERATION_MODE_LABELS.exact,
              value: "exact",
              disabled: exactOff,
              helpText: `Your product's own pixels, cut out of a packshot, with the scene painted around them. No learning step: faster. ${prices.exact}`,
            },
            {
              label: "Both",
              value: "both",
              disabled: exactOff,
              helpText: `Both kinds side by side in the review. ${prices.both}`,
            },
          ]}
        />
        {exactChecking && !exactProblem && (
          <Text as="p" tone="subdued">
            {EXACT_BEING_CHECKED}
          </Text>
        )}
        {exactProblem && (
          <Text as="p" tone="caution">
            {exactProblem}
          </Text>
        )}
      </BlockStack>
    </Card>
  );
}

/** Settings: bulk and automatic requests take the fast exact-product lane. */
export function FastLaneCheckbox({ checked, onChange }: { checked: boolean; onChange(value: boolean): void }) {
  return (
    <Checkbox
      label={`Bulk and automatic requests make ${GENERATION_MODE_LABELS.exact.toLowerCase()} images only (the fast lane)`}
      helpText="No learning step and no tuning charge: your product's own pixels with scenes painted around them, charged per published image. Needs a photo on a plain white or grey backdrop. Products with one or two photos always take this lane."
      checked={checked}
      onChange={onChange}
    />
  );
}

/** The candidate's mode, on its card in the review. */
export function ModeBadge({ mode }: { mode: string }) {
  return <Badge tone={mode === "exact" ? "info" : undefined}>{generationModeText(mode)}</Badge>;
}
