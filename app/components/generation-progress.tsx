import { BlockStack, Box, Button, Card, Icon, InlineStack, ProgressBar, Text } from "@shopify/polaris";
import { CheckCircleIcon, ClockIcon, XCircleIcon } from "@shopify/polaris-icons";
import { PIPELINE_STAGES } from "../../lib/pipeline/stages";
import type { GenerationView } from "../services/studio.server";
import { etaText } from "./labels";

interface Props {
  generation: GenerationView | null;
  now: string;
  onCancel(): void;
  cancelling: boolean;
}

function headline(g: GenerationView | null): string {
  if (!g) return "Not started";
  switch (g.status) {
    case "queued":
      return "Waiting for a free slot";
    case "running":
      return g.cancelRequested ? "Cancelling…" : g.stageLabel;
    case "succeeded":
      return "Done: your images are ready for review";
    case "cancelled":
      return "Cancelled";
    default:
      return "Stopped";
  }
}

/**
 * The live progress of the latest request: one bar, the stage names, the time left. Every line is
 * always there (empty text keeps its height), so nothing below moves while it updates.
 */
export function GenerationProgress({ generation: g, now, onCancel, cancelling }: Props) {
  const percent = g ? Math.round((g.status === "succeeded" ? 1 : g.progress) * 100) : 0;
  const open = g?.status === "queued" || g?.status === "running";
  const currentIndex = g?.stage ? PIPELINE_STAGES.findIndex((s) => s.name === g.stage) : -1;
  return (
    <Card>
      <div className="sb-progress">
        <BlockStack gap="300">
          <InlineStack align="space-between" blockAlign="center">
            <Text as="h2" variant="headingMd">
              Progress
            </Text>
            <Text as="span" variant="headingMd" numeric>
              <span data-testid="progress-percent">{percent}%</span>
            </Text>
          </InlineStack>
          <div aria-live="polite">
            <Text as="p" variant="bodyMd" fontWeight="semibold">
              {headline(g)}
            </Text>
          </div>
          <ProgressBar
            progress={percent}
            tone={g?.status === "failed" ? "critical" : g?.status === "succeeded" ? "success" : "primary"}
            animated={false}
            ariaLabelledBy="progress-heading"
          />
          <span id="progress-heading" hidden>
            Scene request progress
          </span>
          <Text as="p" variant="bodySm" tone="subdued">
            {open
              ? etaText(g.etaAt, Date.parse(now))
              : g
                ? `${g.sceneCount} scene${g.sceneCount === 1 ? "" : "s"} × ${g.imagesPerScene} image${g.imagesPerScene === 1 ? "" : "s"}`
                : "Pick photos and scenes, then generate."}
          </Text>
          <ol aria-label="Stages" style={{ listStyle: "none", margin: 0, padding: 0 }}>
            {PIPELINE_STAGES.map((stage, i) => {
              const done = g?.status === "succeeded" || (currentIndex > i && g !== null);
              const current = open && currentIndex === i;
              const stopped = !open && g !== null && g.status !== "succeeded" && currentIndex === i;
              return (
                <li key={stage.name}>
                  <InlineStack gap="200" blockAlign="center" wrap={false}>
                    <Box>
                      <Icon
                        source={stopped ? XCircleIcon : done ? CheckCircleIcon : ClockIcon}
                        tone={stopped ? "critical" : done ? "success" : current ? "info" : "subdued"}
                      />
                    </Box>
                    <Text
                      as="span"
                      variant="bodySm"
                      tone={done || current ? undefined : "subdued"}
                      fontWeight={current ? "semibold" : "regular"}
                    >
                      {stage.label}
                      {current ? " (now)" : ""}
                    </Text>
                  </InlineStack>
                </li>
              );
            })}
          </ol>
          <InlineStack align="end">
            <Button
              onClick={onCancel}
              disabled={!open || cancelling || g?.cancelRequested}
              loading={cancelling}
              tone="critical"
              variant="secondary"
            >
              Cancel request
            </Button>
          </InlineStack>
        </BlockStack>
      </div>
    </Card>
  );
}
