import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Card, DataTable, EmptyState, InlineGrid, Layout, Page, Text } from "@shopify/polaris";
import { config } from "../../lib/config";
import { BLANK_IMAGE } from "../components/blank-image";
import { ChartCard, chartSeries, RATING_LABELS } from "../components/insights-chart-card";
import { SCENE_KIND_LABELS, SCORES } from "../components/labels";
import { NoiseNotice } from "../components/noise-notice";
import { MIN_PAIRS, type Summary } from "../components/insights-types";
import { loadInsights } from "../services/insights.server";
import { shopContext } from "../services/shop-context.server";

export const loader = async ({ request }: LoaderFunctionArgs) => ({
  insights: await loadInsights(await shopContext(request)),
  profile: config().modelProfile,
});

const f = (v: number | null | undefined) => (v === null || v === undefined ? "—" : v.toFixed(3));
const summaryCells = (s: Summary | null) =>
  s ? [s.n, f(s.min), f(s.q1), f(s.median), f(s.q3), f(s.max), f(s.mean)] : [0, "—", "—", "—", "—", "—", "—"];
const RATINGS = (["subject", "scene"] as const).map((key) => ({ key, label: RATING_LABELS[key] }));

export default function InsightsPage() {
  const { insights, profile } = useLoaderData<typeof loader>();

  if (insights.candidates === 0) {
    return (
      <Page title="Insights">
        <Card>
          <EmptyState
            heading="No scored images yet"
            action={{ content: "Go to products", url: "/app" }}
            image={BLANK_IMAGE}
          >
            <p>
              Once SceneBooth has made images for your products, this page shows how their scores are spread and how
              well they agree with your own ratings.
            </p>
          </EmptyState>
        </Card>
      </Page>
    );
  }

  const series = chartSeries(insights);
  const correlationRows = RATINGS.map(({ key, label }) => [
    label,
    ...SCORES.map(({ key: score }) => {
      const c = insights.correlations.find((x) => x.rating === key && x.score === score)!;
      return c.rho === null ? `— (n = ${c.n})` : `${c.rho.toFixed(2)} (n = ${c.n})`;
    }),
  ]);
  const kindRows = insights.kinds.flatMap((kind) =>
    SCORES.map(({ key, name }) => [
      `${SCENE_KIND_LABELS[kind] ?? kind}`,
      name,
      ...summaryCells(insights.byKind.find((d) => d.group === kind && d.score === key)!.summary),
    ]),
  );
  const productRows = insights.products.map((product) => [
    product,
    insights.byProduct.find((d) => d.group === product)?.summary?.n ?? 0,
    ...SCORES.map(({ key }) =>
      f(insights.byProduct.find((d) => d.group === product && d.score === key)?.summary?.median),
    ),
  ]);

  return (
    <Page
      title="Insights"
      subtitle="How SceneBooth's scores are spread in your store, and how they agree with your own ratings."
    >
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <NoiseNotice profile={profile} />
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Your ratings and the scores
                </Text>
                <Text as="p" tone="subdued">
                  <span data-testid="rated-count">{insights.rated}</span> of {insights.candidates} images rated.
                  Spearman&apos;s ρ between your ratings and each score (needs at least {MIN_PAIRS} rated images; below
                  about 20 it is only indicative). In the research behind SceneBooth, ratings of how faithful the
                  product looks correlated 0.35 with CLIP-I and 0.19 with DINO.
                </Text>
                <DataTable
                  columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric", "numeric"]}
                  headings={["Your rating", ...SCORES.map((s) => s.name)]}
                  rows={correlationRows}
                />
              </BlockStack>
            </Card>
            {insights.rated < MIN_PAIRS && (
              <Banner tone="info">
                <p>
                  Rate a few more images in the product studio (“Product looks like mine”, “Fits the scene”) to see how
                  the scores agree with you.
                </p>
              </Banner>
            )}
            <ChartCard
              title="Your ratings vs. the scores (Spearman ρ)"
              description="Higher means the score ranks images the way you do (−1 to 1)."
              data={series.correlations}
              empty={
                insights.correlations.every((c) => c.rho === null)
                  ? `No correlation yet: it needs at least ${MIN_PAIRS} rated images with different ratings.`
                  : undefined
              }
            />
            <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
              {series.histograms.map(({ score, data }) => (
                <ChartCard
                  key={score.key}
                  title={`${score.name} by scene type`}
                  description={`${score.help} Images per 0.1 of score.`}
                  data={data}
                />
              ))}
              <ChartCard
                title="Median score by product"
                description="Each product's typical score, per metric."
                data={series.byProduct}
                horizontal
              />
            </InlineGrid>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Scores by scene type
                </Text>
                <DataTable
                  columnContentTypes={[
                    "text",
                    "text",
                    "numeric",
                    "numeric",
                    "numeric",
                    "numeric",
                    "numeric",
                    "numeric",
                    "numeric",
                  ]}
                  headings={[
                    "Scenes",
                    "Score",
                    "Images",
                    "Min",
                    "Lower quartile",
                    "Median",
                    "Upper quartile",
                    "Max",
                    "Mean",
                  ]}
                  rows={kindRows}
                />
              </BlockStack>
            </Card>
            <Card>
              <BlockStack gap="300">
                <Text as="h2" variant="headingMd">
                  Median scores by product
                </Text>
                <DataTable
                  columnContentTypes={["text", "numeric", "numeric", "numeric", "numeric", "numeric", "numeric"]}
                  headings={["Product", "Images", ...SCORES.map((s) => s.name)]}
                  rows={productRows}
                />
              </BlockStack>
            </Card>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
