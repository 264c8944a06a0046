import { BlockStack, InlineGrid, ProgressBar, Text, Tooltip } from "@shopify/polaris";
import { useId } from "react";
import { SCORES, type ScoreKey } from "./labels";

/**
 * The five raw scores of one image as labelled bars (0–1): product fidelity first, then scene
 * fidelity; with `levels`, each score's own good / fair / poor beside its value.
 */
export function ScoreBars({
  scores,
  levels = [],
}: {
  scores: Record<ScoreKey, number | null>;
  levels?: ReadonlyArray<{ metric: ScoreKey; word: string }>;
}) {
  const id = useId();
  return (
    <BlockStack gap="100">
      {SCORES.map(({ key, name, help, measures }) => {
        const value = scores[key];
        const word = levels.find((l) => l.metric === key)?.word;
        return (
          <InlineGrid key={key} columns="56px 1fr 40px 40px" gap="200" alignItems="center">
            <Tooltip content={help}>
              <span id={`${id}-${key}`}>
                <Text as="span" variant="bodySm" tone="subdued">
                  {name}
                </Text>
              </span>
            </Tooltip>
            <ProgressBar
              progress={value === null ? 0 : Math.round(value * 100)}
              size="small"
              tone={measures === "product" ? "highlight" : "primary"}
              animated={false}
              ariaLabelledBy={`${id}-${key}`}
            />
            <Text as="span" variant="bodySm" alignment="end" numeric>
              {value === null ? "—" : value.toFixed(2)}
            </Text>
            <Text as="span" variant="bodySm" tone="subdued">
              {word ?? ""}
            </Text>
          </InlineGrid>
        );
      })}
    </BlockStack>
  );
}
