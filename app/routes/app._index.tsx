import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Card, EmptyState, Layout, Page, Text } from "@shopify/polaris";
import { dailyResetLabel } from "../../lib/pipeline/daily-images";
import { config } from "../../lib/config";
import { BLANK_IMAGE } from "../components/blank-image";
import { NoiseNotice } from "../components/noise-notice";
import { Onboarding } from "../components/onboarding";
import { ProductsTable } from "../components/products-table";
import { useResultToast } from "../components/use-toast";
import { ApiError, isRedisUnavailable, queueUnavailable } from "../services/api.server";
import { generateForProducts, parseStateFilter, productsPage, STATE_FILTERS } from "../services/products.server";
import { resumeRequests, stoppedImages, stoppedNotice, stoppedRequests } from "../services/resume.server";
import { dailyImagesView, shopDailyImages } from "../services/daily-images.server";
import { shopContext } from "../services/shop-context.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const ctx = await shopContext(request);
  const url = new URL(request.url);
  const page = await productsPage(ctx, {
    query: url.searchParams.get("query") ?? "",
    filter: parseStateFilter(url.searchParams.get("filter")),
    after: url.searchParams.get("after"),
    before: url.searchParams.get("before"),
  });
  const stopped = await stoppedRequests(ctx);
  return {
    ...page,
    filters: STATE_FILTERS.map(({ id, label }) => ({ id, label })),
    stopped,
    stoppedNotice: stoppedNotice(stopped, await stoppedImages(ctx)),
    dailyImages: dailyImagesView(await shopDailyImages(ctx.db)),
    profile: config().modelProfile,
    now: new Date().toISOString(),
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const ctx = await shopContext(request);
  const form = await request.formData();
  if (form.get("intent") === "resume") return { ok: true as const, message: await resumeRequests(ctx) };
  try {
    const result = await generateForProducts(ctx, form.getAll("productId").map(String));
    return { ok: true as const, message: result.message };
  } catch (error) {
    if (error instanceof ApiError) return { ok: false as const, error: error.message };
    if (isRedisUnavailable(error)) return queueUnavailable();
    throw error;
  }
};

export default function ProductsPage() {
  const data = useLoaderData<typeof loader>();
  const fetcher = useFetcher<typeof action>();
  useResultToast(fetcher.data);
  const resume = useFetcher<typeof action>();
  useResultToast(resume.data);
  const resuming = resume.state !== "idle";

  if (data.emptyShop) {
    return (
      <Page title="Products">
        <Card>
          <EmptyState
            heading="Add products to your store first"
            action={{ content: "Add a product", url: "shopify://admin/products/new", target: "_top" }}
            image={BLANK_IMAGE}
          >
            <p>
              SceneBooth turns your own product photos into new scene photos. Add a product with 5–7 photos, then come
              back.
            </p>
          </EmptyState>
        </Card>
      </Page>
    );
  }

  return (
    <Page title="Products" subtitle="Pick products, generate scene photos, review them and publish the best.">
      <Layout>
        <Layout.Section>
          <BlockStack gap="400">
            <NoiseNotice profile={data.profile} />
            {data.newShop && <Onboarding />}
            {data.stoppedNotice && (
              <Banner
                tone="warning"
                title={data.stoppedNotice.title}
                action={{
                  content: "Resume",
                  loading: resuming,
                  onAction: () => resume.submit({ intent: "resume" }, { method: "post" }),
                }}
              >
                <p>
                  Your store is connected again. Resume picks up {data.stoppedNotice.products} where{" "}
                  {data.stoppedNotice.pronoun} stopped; nothing done before is done or charged again.
                </p>
              </Banner>
            )}
            <Card padding="0">
              <ProductsTable
                rows={data.rows}
                filters={data.filters}
                filter={data.filter}
                query={data.query}
                next={data.next}
                previous={data.previous}
                now={data.now}
                generating={fetcher.state !== "idle"}
                onGenerate={(ids) => {
                  const form = new FormData();
                  for (const id of ids) form.append("productId", id);
                  fetcher.submit(form, { method: "post" });
                }}
              />
            </Card>
            {data.note && <p>{data.note}</p>}
            <Text as="p" tone="subdued">
              {data.dailyImages.remaining} of your {data.dailyImages.limit} images a day are left today; the limit
              resets {dailyResetLabel(data.dailyImages.resetsAt)}.
            </Text>
          </BlockStack>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
