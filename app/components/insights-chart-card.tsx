import type { DataSeries } from "@shopify/polaris-viz";
import { BlockStack, Box, Card, SkeletonBodyText, Text } from "@shopify/polaris";
import { lazy, Suspense, useEffect, useState } from "react";
import type { Insights } from "./insights-types";
import { SCENE_KIND_LABELS, SCORES } from "./labels";

const Chart = lazy(() => import("./insights-charts"));

function Placeholder() {
  return (
    <div aria-hidden="true" style={{ paddingTop: "var(--p-space-400)" }}>
      <SkeletonBodyText lines={6} />
    </div>
  );
}

/** A chart in a card of fixed height: a skeleton until the chart library has loaded in the browser. */
export function ChartCard({
  title,
  description,
  data,
  horizontal = false,
  empty,
}: {
  title: string;
  description: string;
  data: DataSeries[];
  horizontal?: boolean;
  empty?: string;
}) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return (
    <Card>
      <BlockStack gap="200">
        <Text as="h3" variant="headingSm">
          {title}
        </Text>
        <Text as="p" variant="bodySm" tone="subdued">
          {description}
        </Text>
        <div className="sb-chart">
          {empty ? (
            <Box paddingBlockStart="800">
              <Text as="p" alignment="center" tone="subdued">
                {empty}
              </Text>
            </Box>
          ) : mounted ? (
            <Suspense fallback={<Placeholder />}>
              <Chart data={data} horizontal={horizontal} />
            </Suspense>
          ) : (
            <Placeholder />
          )}
        </div>
      </BlockStack>
    </Card>
  );
}

/** Each bin by its lower edge: "0.3" holds scores from 0.3 up to 0.4. */
const BIN_LABELS = Array.from({ length: 10 }, (_, i) => (i / 10).toFixed(1));
export const RATING_LABELS = { subject: "Product looks like mine", scene: "Fits the scene" } as const;

/** The chart series of the insights page. */
export function chartSeries(insights: Insights) {
  return {
    histograms: SCORES.map((score) => ({
      score,
      data: insights.kinds.map((kind) => ({
        name: SCENE_KIND_LABELS[kind] ?? kind,
        data: insights.byKind
          .find((d) => d.group === kind && d.score === score.key)!
          .histogram.map((value, i) => ({ key: BIN_LABELS[i]!, value })),
      })),
    })),
    byProduct: SCORES.map((score) => ({
      name: score.name,
      data: insights.products.map((product) => ({
        key: product,
        value: insights.byProduct.find((d) => d.group === product && d.score === score.key)?.summary?.median ?? null,
      })),
    })),
    correlations: (["subject", "scene"] as const).map((rating) => ({
      name: RATING_LABELS[rating],
      data: SCORES.map((score) => ({
        key: score.name,
        value: insights.correlations.find((c) => c.rating === rating && c.score === score.key)?.rho ?? null,
      })),
    })),
  };
}
