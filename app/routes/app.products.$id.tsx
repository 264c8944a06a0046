import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { isRouteErrorResponse, useFetcher, useLoaderData, useRevalidator, useRouteError } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, EmptyState, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { useEffect, useMemo, useState } from "react";
import { normalizeClassNoun } from "../../lib/prompts";
import { BLANK_IMAGE } from "../components/blank-image";
import { CandidateGallery } from "../components/candidate-gallery";
import { ClassNounCard } from "../components/class-noun-card";
import { GenerationProgress } from "../components/generation-progress";
import { subjectStateLabel } from "../components/labels";
import { NoiseNotice } from "../components/noise-notice";
import { PhotoCheckCard } from "../components/photo-check-card";
import { sameMediaSet, type PhotoCheckView } from "../components/photo-check-types";
import { ScenePicker } from "../components/scene-picker";
import { useResultToast, type ToastResult } from "../components/use-toast";
import { loadStudio, studioAction, type Progress } from "../services/studio.server";
import { shopContext } from "../services/shop-context.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => loadStudio(await shopContext(request), params.id ?? "");

export const action = async ({ request, params }: ActionFunctionArgs) => studioAction(await shopContext(request), params.id ?? "", await request.formData());

const POLL_MS = 1000;
const CHECK_DEBOUNCE_MS = 300;
const BUSY_CANDIDATE = ["approved", "upscaling", "publishing"];

const signature = (g: { status: string; stage: string | null } | null, candidates: Array<{ id: string; state: string }>) =>
  `${g?.status}/${g?.stage}/${candidates.map((c) => `${c.id}:${c.state}`).sort().join(",")}`;

export default function ProductStudio() {
  const data = useLoaderData<typeof loader>();
  const { product, photos, generation, candidates } = data;
  const revalidator = useRevalidator();
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

  // The dataset check: the last request's when it covered these photos, else a fresh preview.
  const checkFetcher = useFetcher<{ check: PhotoCheckView | null; error: string | null }>();
  const lastCheckApplies = data.lastCheck !== null && sameMediaSet(data.lastCheck.mediaIds, mediaIds);
  const checkKey = [...mediaIds].sort().join(",");
  useEffect(() => {
    if (lastCheckApplies || mediaIds.length === 0) return;
    const timer = setTimeout(() => {
      const params = new URLSearchParams(mediaIds.map((id) => ["mediaId", id]));
      checkFetcher.load(`/app/products/${product.id}/photo-check?${params}`);
    }, CHECK_DEBOUNCE_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [checkKey, lastCheckApplies, product.id]);
  const preview = checkFetcher.data?.check ?? null;
  const previewCurrent = preview !== null && sameMediaSet(preview.mediaIds, mediaIds);
  const check = lastCheckApplies ? data.lastCheck : previewCurrent ? preview : null;
  const checking = !lastCheckApplies && mediaIds.length > 0 && (checkFetcher.state !== "idle" || !previewCurrent) && !checkFetcher.data?.error;

  // Live progress: poll while a request or a publish runs; reload the page's data when it moves on.
  const poll = useFetcher<Progress & { now: string }>();
  const live = poll.data?.generation?.id === generation?.id || (poll.data && !generation) ? poll.data : null;
  const shownGeneration = live?.generation ?? generation;
  const active =
    shownGeneration?.status === "queued" ||
    shownGeneration?.status === "running" ||
    (live?.candidates ?? candidates).some((c) => BUSY_CANDIDATE.includes(c.state));
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (poll.state === "idle") poll.load(`/app/products/${product.id}/progress`);
    }, POLL_MS);
    return () => clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active, product.id]);
  const loaded = signature(generation, candidates);
  const polled = poll.data ? signature(poll.data.generation, poll.data.candidates) : loaded;
  useEffect(() => {
    if (polled !== loaded && revalidator.state === "idle") revalidator.revalidate();
  }, [polled, loaded, revalidator]);

  const open = shownGeneration?.status === "queued" || shownGeneration?.status === "running";
  const classNounValid = useMemo(() => {
    try {
      normalizeClassNoun(classNoun);
      return true;
    } catch {
      return false;
    }
  }, [classNoun]);
  const lowDiversityBlocked = check?.issues.some((i) => i.code === "low_background_diversity") && !allowLowDiversity;
  const blockedOtherwise = check?.issues.some((i) => i.severity === "blocking" && i.code !== "low_background_diversity");
  const startProblem =
    mediaIds.length === 0
      ? "Pick the photos to learn from."
      : sceneIds.length + customScenes.length === 0
        ? "Pick at least one scene."
        : !classNounValid
          ? "Fix the class noun."
          : blockedOtherwise
            ? "Fix the photo check's problems first."
            : lowDiversityBlocked
              ? "The photos share one background: add varied photos, or tick “Continue anyway”."
              : null;
  const starting = act.state !== "idle" && act.formData?.get("intent") === "start";

  const start = (override?: { allowLowDiversity: boolean }) => {
    const form = new FormData();
    form.set("intent", "start");
    form.set("classNoun", classNoun);
    form.set("imagesPerScene", String(imagesPerScene));
    for (const id of sceneIds) form.append("sceneId", id);
    for (const text of customScenes) form.append("customScene", text);
    for (const id of mediaIds) form.append("mediaId", id);
    if (override?.allowLowDiversity ?? allowLowDiversity) form.set("allowLowDiversity", "on");
    act.submit(form, { method: "post" });
  };

  const subjectState = live?.subjectState ?? data.subject?.state ?? "not_started";
  const state = subjectStateLabel(subjectState);
  const failed = shownGeneration?.status === "failed" ? (shownGeneration.error ?? data.subject?.lastError) : null;
  const reference = photos.find((p) => check?.photos.find((v) => v.mediaId === p.mediaId && v.rank === 1)) ?? photos.find((p) => mediaIds.includes(p.mediaId)) ?? null;

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
      primaryAction={{ content: "Generate scenes", onAction: () => start(), disabled: open || startProblem !== null, loading: starting }}
      secondaryActions={[{ content: "View in Shopify admin", url: product.adminUrl, target: "_top" }]}
    >
      <BlockStack gap="400">
        <NoiseNotice profile={data.profile} />
        {failed && (
          <Banner
            tone={subjectState === "needs_attention" ? "warning" : "critical"}
            title={subjectState === "needs_attention" ? "This request needs your attention" : "Something went wrong on our side"}
            action={
              subjectState === "needs_attention" && failed.includes("background")
                ? {
                    content: "Continue anyway",
                    onAction: () => {
                      setAllowLowDiversity(true);
                      start({ allowLowDiversity: true });
                    },
                  }
                : { content: "Try again", onAction: () => start(), disabled: startProblem !== null }
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
              checkError={lastCheckApplies ? null : (checkFetcher.data?.error ?? null)}
              allowLowDiversity={allowLowDiversity}
              onAllowLowDiversity={setAllowLowDiversity}
              publishedCount={data.publishedCount}
            />
          </Layout.Section>
          <Layout.Section variant="oneThird">
            <BlockStack gap="400">
              <GenerationProgress
                generation={shownGeneration}
                now={live?.now ?? data.now}
                cancelling={act.state !== "idle" && act.formData?.get("intent") === "cancel"}
                onCancel={() => shownGeneration && act.submit({ intent: "cancel", generationId: shownGeneration.id }, { method: "post" })}
              />
              <ClassNounCard value={classNoun} suggested={data.suggestedClassNoun} productType={product.productType} onChange={setClassNoun} />
            </BlockStack>
          </Layout.Section>
          {candidates.length > 0 && (
            <Layout.Section>
              <CandidateGallery candidates={candidates} reference={reference} itmThreshold={data.itmThreshold} adminUrl={product.adminUrl} />
            </Layout.Section>
          )}
          <Layout.Section>
            <BlockStack gap="300">
              <ScenePicker
                limits={data.limits}
                sceneIds={sceneIds}
                onSceneIds={setSceneIds}
                customScenes={customScenes}
                onCustomScenes={setCustomScenes}
                imagesPerScene={imagesPerScene}
                onImagesPerScene={setImagesPerScene}
              />
              <InlineStack align="end" gap="300" blockAlign="center">
                <Text as="p" tone="subdued">
                  {open ? "A request is running for this product." : (startProblem ?? " ")}
                </Text>
                <Button variant="primary" size="large" onClick={() => start()} disabled={open || startProblem !== null} loading={starting}>
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
          <EmptyState heading="This product is not in your store" action={{ content: "Back to products", url: "/app" }} image={BLANK_IMAGE}>
            <p>It may have been deleted, or the link points to another store’s product.</p>
          </EmptyState>
        </Card>
      </Page>
    );
  }
  throw error;
}
