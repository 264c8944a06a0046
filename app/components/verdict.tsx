import { Badge, BlockStack, Box, Button, InlineStack, Text, type BadgeProps } from "@shopify/polaris";
import { useId, useState } from "react";
import type { Verdict as VerdictView } from "../../lib/review-verdict";
import { ScoreBars } from "./score-bars";
import type { ScoreKey } from "./labels";

const TONES: Record<string, BadgeProps["tone"]> = { good: "success", fair: "attention", poor: "critical" };

/** One verdict in words: "Good · Looks like your product — close to your photos". */
export function VerdictLine({ verdict }: { verdict: VerdictView }) {
  return (
    <InlineStack gap="200" blockAlign="center" wrap={false}>
      <Badge tone={verdict.level ? TONES[verdict.level] : undefined}>{verdict.word}</Badge>
      <Text as="span" variant="bodySm">
        <Text as="span" fontWeight="semibold">
          {verdict.title}
        </Text>{" "}
        <Text as="span" tone="subdued">
          — {verdict.reason}
        </Text>
      </Text>
    </InlineStack>
  );
}

/** Both verdicts, with the five raw scores one click away. */
export function Verdicts({ verdicts, scores }: { verdicts: VerdictView[]; scores: Record<ScoreKey, number | null> }) {
  const [open, setOpen] = useState(false);
  const id = useId();
  return (
    <BlockStack gap="150">
      {verdicts.map((v) => (
        <VerdictLine key={v.aspect} verdict={v} />
      ))}
      <Box>
        <Button
          variant="plain"
          disclosure={open ? "up" : "down"}
          ariaExpanded={open}
          ariaControls={id}
          onClick={() => setOpen((o) => !o)}
        >
          {open ? "Hide the scores" : "Show the scores"}
        </Button>
      </Box>
      <div id={id}>{open && <ScoreBars scores={scores} levels={verdicts.flatMap((v) => v.metrics)} />}</div>
    </BlockStack>
  );
}
