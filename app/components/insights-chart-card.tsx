import { BlockStack, Box, Card, Text } from "@shopify/polaris";
import { BarChart, type ChartSeries } from "./insights-charts";
import type { Insights } from "./insights-types";
import { SCENE_KIND_LABELS, SCORES } from "./labels";

/** A chart in a card of fixed height, drawn on the server (nothing to load or measure in the browser). */
export function ChartCard({
  title,
  description,
  data,
  horizontal = false,
  empty,
}: {
  title: string;
  description: string;
  data: ChartSeries[];
  horizontal?: boolean;
  empty?: string;
}) {
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
          ) : (
            <BarChart title={title} data={data} horizontal={horizontal} />
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
