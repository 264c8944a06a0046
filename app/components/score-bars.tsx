import { BlockStack, InlineGrid, ProgressBar, Text, Tooltip } from "@shopify/polaris";
import { useId } from "react";
import { SCORES, type ScoreKey } from "./labels";

/** The five scores of one image as labelled bars (0–1): product fidelity first, then scene fidelity. */
export function ScoreBars({ scores }: { scores: Record<ScoreKey, number | null> }) {
  const id = useId();
  return (
    <BlockStack gap="100">
      {SCORES.map(({ key, name, help, measures }) => {
        const value = scores[key];
        return (
          <InlineGrid key={key} columns="56px 1fr 40px" gap="200" alignItems="center">
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
          </InlineGrid>
        );
      })}
    </BlockStack>
  );
}
