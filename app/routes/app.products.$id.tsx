import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { isRouteErrorResponse, useFetcher, useLoaderData, useRouteError } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, EmptyState, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { useMemo, useState } from "react";
import { MODE_CHOICES, UNTRUSTED_MATTE_MESSAGE as EXACT_NEEDS_PACKSHOT } from "../../lib/pipeline/generation-modes";
import { BLANK_IMAGE } from "../components/blank-image";
import { CandidateGallery } from "../components/candidate-gallery";
import { ClassNounCard } from "../components/class-noun-card";
import { GenerationProgress } from "../components/generation-progress";
import { subjectStateLabel } from "../components/labels";
import { exactBeingChecked, ModePicker, noPackshot } from "../components/mode-picker";
import { NoiseNotice } from "../components/noise-notice";
import { PhotoCheckCard } from "../components/photo-check-card";
import { PublishedHistory } from "../components/published-history";
import { PriceSummary } from "../components/price-summary";
import { ScenePicker } from "../components/scene-picker";
import { isValidClassNoun, startProblem } from "../components/start-problem";
import { usePhotoCheck } from "../components/use-photo-check";
import { useProgressPolling } from "../components/use-progress-polling";
import { useResultToast, type ToastResult } from "../components/use-toast";
import { loadStudio, studioAction } from "../services/studio.server";
import { shopContext } from "../services/shop-context.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) =>
  loadStudio(await shopContext(request), params.id ?? "");

export const action = async ({ request, params }: ActionFunctionArgs) =>
  studioAction(await shopContext(request), params.id ?? "", await request.formData());

export default function ProductStudio() {
  const data = useLoaderData<typeof loader>();
  const { product, photos, generation, candidates } = data;
  const act = useFetcher<ToastResult>();
  useResultToast(act.data);

  const [mediaIds, setMediaIds] = useState<string[]>(() => {
    const known = new Set(photos.map((p) => p.mediaId));
    const last = data.draft.mediaIds?.filter((id) => known.has(id));
    return last && last.length > 0 ? last : photos.map((p) => p.mediaId);
  });
  const [classNoun, setClassNoun] = useState(data.subject?.classNoun ?? data.suggestedClassNoun);
  const [sceneIds, setSceneIds] = useState(data.draft.sceneIds);
  const [customScenes, setCustomScenes] = useState(data.draft.customScenes);
  const [imagesPerScene, setImagesPerScene] = useState(data.draft.imagesPerScene);
  const [allowLowDiversity, setAllowLowDiversity] = useState(data.draft.allowLowDiversity);
  const [modeChoice, setModeChoice] = useState(data.draft.modes);

  const { check, checking, error: checkError } = usePhotoCheck(product.id, mediaIds, data.lastCheck);
  const live = useProgressPolling(product.id, generation, candidates);
  const shownGeneration = live?.generation ?? generation;

  const open = shownGeneration?.status === "queued" || shownGeneration?.status === "running";
  const classNounValid = useMemo(() => isValidClassNoun(classNoun), [classNoun]);
  const exactProblem = noPackshot(check) ? EXACT_NEEDS_PACKSHOT : null;
  const problem = startProblem({
    modes: MODE_CHOICES[modeChoice],
    exactProblem,
    photoCount: mediaIds.length,
    sceneCount: sceneIds.length + customScenes.length,
    classNounValid,
    check,
    allowLowDiversity,
    images: {
      requested: (sceneIds.length + customScenes.length) * imagesPerScene * MODE_CHOICES[modeChoice].length,
      leftToday: data.dailyImages.remaining,
      resetsAt: data.dailyImages.resetsAt,
    },
  });
  const starting = act.state !== "idle" && act.formData?.get("intent") === "start";

  const start = (override?: { allowLowDiversity: boolean }) => {
    const form = new FormData();
    form.set("intent", "start");
    form.set("classNoun", classNoun);
    form.set("imagesPerScene", String(imagesPerScene));
    form.set("modes", modeChoice);
    for (const id of sceneIds) form.append("sceneId", id);
    for (const text of customScenes) form.append("customScene", text);
    for (const id of mediaIds) form.append("mediaId", id);
    if (override?.allowLowDiversity ?? allowLowDiversity) form.set("allowLowDiversity", "on");
    act.submit(form, { method: "post" });
  };

  const subjectState = live?.subjectState ?? data.subject?.state ?? "not_started";
  const state = subjectStateLabel(subjectState);
  const failed = shownGeneration?.status === "failed" ? (shownGeneration.error ?? data.subject?.lastError) : null;
  const reference =
    photos.find((p) => check?.photos.find((v) => v.mediaId === p.mediaId && v.rank === 1)) ??
    photos.find((p) => mediaIds.includes(p.mediaId)) ??
    null;

  return (
    <Page
      title={product.title}
      titleMetadata={
        <Badge tone={state.tone} progress={state.progress}>
          {state.label}
        </Badge>
      }
      subtitle={product.productType || undefined}
      backAction={{ content: "Products", url: "/app" }}
      primaryAction={{
        content: "Generate scenes",
        onAction: () => start(),
        disabled: open || problem !== null,
        loading: starting,
      }}
      secondaryActions={[{ content: "View in Shopify admin", url: product.adminUrl, target: "_top" }]}
    >
      <BlockStack gap="400">
        <NoiseNotice profile={data.profile} />
        {failed && (
          <Banner
            tone={subjectState === "needs_attention" ? "warning" : "critical"}
            title={
              subjectState === "needs_attention"
                ? "This request needs your attention"
                : "Something went wrong on our side"
            }
            action={
              shownGeneration?.resumable
                ? {
                    content: "Resume",
                    loading: act.state !== "idle" && act.formData?.get("intent") === "resume",
                    onAction: () =>
                      act.submit({ intent: "resume", generationId: shownGeneration.id }, { method: "post" }),
                  }
                : subjectState === "needs_attention" && failed.includes("background")
                  ? {
                      content: "Continue anyway",
                      onAction: () => {
                        setAllowLowDiversity(true);
                        start({ allowLowDiversity: true });
                      },
                    }
                  : { content: "Try again", onAction: () => start(), disabled: problem !== null }
            }
          >
            <p>{failed}</p>
          </Banner>
        )}
        <Layout>
          <Layout.Section>
            <PhotoCheckCard
              photos={photos}
              selected={mediaIds}
              onToggle={(id, use) => setMediaIds((ids) => (use ? [...ids, id] : ids.filter((x) => x !== id)))}
              check={check}
              checking={checking}
              checkError={checkError}
              allowLowDiversity={allowLowDiversity}
              onAllowLowDiversity={setAllowLowDiversity}
              publishedCount={data.publishedCount}
              onlyOtherMedia={data.onlyOtherMedia}
            />
          </Layout.Section>
          <Layout.Section variant="oneThird">
            <BlockStack gap="400">
              <GenerationProgress
                generation={shownGeneration}
                now={live?.now ?? data.now}
                cancelling={act.state !== "idle" && act.formData?.get("intent") === "cancel"}
                onCancel={() =>
                  shownGeneration &&
                  act.submit({ intent: "cancel", generationId: shownGeneration.id }, { method: "post" })
                }
              />
              <PriceSummary
                pricing={data.pricing}
                mediaIds={mediaIds}
                classNoun={classNoun}
                images={(sceneIds.length + customScenes.length) * imagesPerScene}
                imagesLeftToday={data.dailyImages.remaining}
              />
              <ClassNounCard
                value={classNoun}
                suggested={data.suggestedClassNoun}
                productType={product.productType}
                onChange={setClassNoun}
              />
            </BlockStack>
          </Layout.Section>
          {candidates.length > 0 && (
            <Layout.Section>
              <CandidateGallery
                candidates={candidates}
                review={data.review}
                reference={reference}
                adminUrl={product.adminUrl}
              />
            </Layout.Section>
          )}
          {data.published.length > 0 && (
            <Layout.Section>
              <PublishedHistory items={data.published} />
            </Layout.Section>
          )}
          <Layout.Section>
            <BlockStack gap="300">
              <ModePicker
                value={modeChoice}
                onChange={setModeChoice}
                prices={data.modePrices}
                exactProblem={exactProblem}
                exactChecking={exactBeingChecked(check)}
                disabled={open}
              />
              <ScenePicker
                limits={data.limits}
                sceneIds={sceneIds}
                onSceneIds={setSceneIds}
                customScenes={customScenes}
                onCustomScenes={setCustomScenes}
                imagesPerScene={imagesPerScene}
                onImagesPerScene={setImagesPerScene}
                daily={data.dailyImages}
                presets={data.presets}
                product={{ classNoun, productType: product.productType }}
              />
              <InlineStack align="end" gap="300" blockAlign="center">
                <Text as="p" tone="subdued">
                  {open ? "A request is running for this product." : (problem ?? " ")}
                </Text>
                <Button
                  variant="primary"
                  size="large"
                  onClick={() => start()}
                  disabled={open || problem !== null}
                  loading={starting}
                >
                  Generate scenes
                </Button>
              </InlineStack>
            </BlockStack>
          </Layout.Section>
        </Layout>
      </BlockStack>
    </Page>
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && error.status === 404) {
    return (
      <Page title="Product not found" backAction={{ content: "Products", url: "/app" }}>
        <Card>
          <EmptyState
            heading="This product is not in your store"
            action={{ content: "Back to products", url: "/app" }}
            image={BLANK_IMAGE}
          >
            <p>It may have been deleted, or the link points to another store’s product.</p>
          </EmptyState>
        </Card>
      </Page>
    );
  }
  throw error;
}
