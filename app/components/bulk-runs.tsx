import { Banner, BlockStack, Text } from "@shopify/polaris";
import type { BulkRunView } from "../services/bulk-runs.server";
import { relativeTime } from "./labels";

interface Props {
  runs: BulkRunView[];
  now: string;
  cancelling: string | null;
  onCancel(runId: string): void;
}

const products = (n: number) => `${n} product${n === 1 ? "" : "s"}`;

/** Bulk runs with open requests, each with what it has done and a button that cancels the whole run. */
export function BulkRuns({ runs, now, cancelling, onCancel }: Props) {
  if (runs.length === 0) return null;
  return (
    <BlockStack gap="200">
      {runs.map((run) => {
        const parts = [
          run.done ? `${run.done} done` : null,
          run.running > run.waitingForGpu ? `${run.running - run.waitingForGpu} in progress` : null,
          run.waitingForGpu ? `${run.waitingForGpu} waiting for a GPU` : null,
          run.waiting ? `${run.waiting} waiting to start` : null,
          run.stopped ? `${run.stopped} stopped or cancelled` : null,
        ].filter(Boolean);
        return (
          <Banner
            key={run.id}
            tone="info"
            title={`Generating scenes for ${products(run.products)}, started ${relativeTime(run.startedAt, Date.parse(now)).toLowerCase()}`}
            action={{
              content: "Cancel the whole run",
              loading: cancelling === run.id,
              disabled: cancelling !== null,
              onAction: () => onCancel(run.id),
            }}
          >
            <Text as="p">
              {parts.join(" · ")}. Cancelling stops every request of this run that is not finished: nothing more is
              charged for them, and finished images stay.
            </Text>
          </Banner>
        );
      })}
    </BlockStack>
  );
}
