import { useFetcher } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Box,
  Button,
  ButtonGroup,
  Card,
  Checkbox,
  InlineGrid,
  InlineStack,
  Link,
  Select,
  Text,
} from "@shopify/polaris";
import { useMemo, useState } from "react";
import { APPROVABLE_STATES, REJECTABLE_STATES } from "../../lib/pipeline/review-states";
import { ASPECTS, LEVEL_WORDS, RATING_CALIBRATION } from "../../lib/review-verdict";
import type { CandidateView, ReviewData, StudioPhoto } from "../services/studio.server";
import { CompareView } from "./compare-view";
import { candidateStateLabel, SCENE_KIND_LABELS } from "./labels";
import { ModeBadge } from "./mode-picker";
import { useResultToast, type ToastResult } from "./use-toast";
import { Verdicts } from "./verdict";

const RATING_OPTIONS = [
  { label: "Not rated", value: "" },
  { label: "1 – not at all", value: "1" },
  { label: "2 – a little", value: "2" },
  { label: "3 – partly", value: "3" },
  { label: "4 – mostly", value: "4" },
  { label: "5 – exactly", value: "5" },
];

const SORTS = [
  { label: "Best match", value: "best" },
  { label: "Newest", value: "newest" },
  { label: "Scene", value: "scene" },
];

const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

interface CardProps {
  candidate: CandidateView;
  index: number;
  adminUrl: string;
  checked: boolean;
  onChecked(value: boolean): void;
  onCompare(): void;
}

function CandidateCard({ candidate: c, index, adminUrl, checked, onChecked, onCompare }: CardProps) {
  // One fetcher per field: a second change must not abort the first one's request.
  const decide = useFetcher<ToastResult>();
  const rateSubject = useFetcher<ToastResult>();
  const rateScene = useFetcher<ToastResult>();
  useResultToast(decide.data);
  const optimistic = (fetcher: typeof rateSubject, name: string, value: number | null) => {
    const pending = fetcher.formData?.get(name);
    return pending === undefined || pending === null ? value : pending === "" ? null : Number(pending);
  };
  const decision = decide.formData?.get("decision");
  const state = decision === "approve" ? "approved" : decision === "reject" ? "rejected" : c.state;
  const label = candidateStateLabel(state);
  const submit = (fetcher: typeof decide, fields: Record<string, string>) =>
    fetcher.submit({ intent: "review", candidateId: c.id, ...fields }, { method: "post" });
  const review = (fields: { decision: string }) => submit(decide, fields);
  const name = `Image ${index + 1}`;
  const canApprove = APPROVABLE_STATES.includes(state);
  const canReject = REJECTABLE_STATES.includes(state);

  return (
    <Card>
      <section aria-label={`${name}: ${c.sceneText}`}>
        <BlockStack gap="300">
          <button type="button" className="sb-card-image" onClick={onCompare}>
            <div className="sb-square">
              <img src={c.imageUrl} alt={`Generated: ${c.prompt}`} width={384} height={384} loading="lazy" />
            </div>
          </button>
          <BlockStack gap="100">
            <InlineStack gap="200" blockAlign="center">
              <Badge>{SCENE_KIND_LABELS[c.sceneKind] ?? c.sceneKind}</Badge>
              <ModeBadge mode={c.mode} />
              {c.selected && <Badge tone="success">Best match</Badge>}
              <Badge tone={label.tone}>{label.label}</Badge>
            </InlineStack>
            <Text as="h3" variant="headingSm">
              {capitalised(c.sceneText)}
            </Text>
          </BlockStack>
          <Verdicts verdicts={c.verdicts} scores={c.scores} />
          {c.error && (
            <Text as="p" tone="critical">
              {c.error}
            </Text>
          )}
          {state === "published" && (
            <InlineStack gap="300">
              {c.publishedUrl && (
                <Link url={c.publishedUrl} target="_blank">
                  View the published image
                </Link>
              )}
              <Link url={adminUrl} target="_top">
                Open the product in Shopify
              </Link>
            </InlineStack>
          )}
          <InlineStack align="space-between" blockAlign="center" gap="200">
            <ButtonGroup>
              <Button
                variant="primary"
                onClick={() => review({ decision: "approve" })}
                disabled={!canApprove}
                accessibilityLabel={`Approve ${name}`}
              >
                Approve
              </Button>
              <Button
                onClick={() => review({ decision: "reject" })}
                disabled={!canReject}
                accessibilityLabel={`Reject ${name}`}
              >
                Reject
              </Button>
              <Button onClick={onCompare} accessibilityLabel={`Compare ${name}`}>
                Compare
              </Button>
            </ButtonGroup>
            <Checkbox label="Select for approval" checked={checked} onChange={onChecked} disabled={!canApprove} />
          </InlineStack>
          <InlineGrid columns={2} gap="200">
            <Select
              label="Product looks like mine"
              options={RATING_OPTIONS}
              value={optimistic(rateSubject, "ratingSubject", c.ratingSubject)?.toString() ?? ""}
              onChange={(v) => submit(rateSubject, { ratingSubject: v })}
            />
            <Select
              label="Fits the scene"
              options={RATING_OPTIONS}
              value={optimistic(rateScene, "ratingScene", c.ratingScene)?.toString() ?? ""}
              onChange={(v) => submit(rateScene, { ratingScene: v })}
            />
          </InlineGrid>
        </BlockStack>
      </section>
    </Card>
  );
}

/** Where each verdict's thresholds come from: the paper's values, or the shop's own ratings. */
function CalibrationNote({ calibration }: { calibration: ReviewData["calibration"] }) {
  const c = RATING_CALIBRATION;
  const aspects = (["subject", "scene"] as const).map((aspect) => ({ ...calibration[aspect], aspect }));
  const parts = aspects.map(({ aspect, rated, fromRatings }) =>
    fromRatings
      ? `“${ASPECTS[aspect].title}” follows your ${rated} ratings`
      : `“${ASPECTS[aspect].title}” uses the paper's reference scores (${
          rated < c.minRatings
            ? `${rated} of ${c.minRatings} ratings`
            : `your ${rated} ratings do not yet tell good images from poor ones`
        })`,
  );
  const rule = aspects.every((a) => a.fromRatings)
    ? ""
    : ` A verdict follows your ratings once you have rated ${c.minRatings} images on its question, at least ${c.minEachSide} of them ${c.goodRating}–5 and ${c.minEachSide} of them 1–${c.poorRating}.`;
  return (
    <Text as="p" variant="bodySm" tone="subdued">
      {`${parts.join("; ")}.${rule}`}
    </Text>
  );
}

interface Props {
  candidates: CandidateView[];
  review: ReviewData;
  /** The photo the dataset check ranked first: compared with when the product has no training crops. */
  reference: StudioPhoto | null;
  adminUrl: string;
}

/** The generated images with plain verdicts, best matches first; sort, filter, compare, approve. */
export function CandidateGallery({ candidates, review, reference, adminUrl }: Props) {
  const [checked, setChecked] = useState<string[]>([]);
  const [sort, setSort] = useState("best");
  const [verdictFilter, setVerdictFilter] = useState("");
  const [stateFilter, setStateFilter] = useState("");
  const [sceneFilter, setSceneFilter] = useState("");
  const [compare, setCompare] = useState<{ ids: string[]; current: string } | null>(null);
  const bulk = useFetcher<ToastResult>();
  useResultToast(bulk.data);

  const byId = useMemo(() => new Map(candidates.map((c) => [c.id, c])), [candidates]);
  const shown = useMemo(() => {
    const kept = candidates.filter(
      (c) =>
        (!verdictFilter || c.overall === verdictFilter) &&
        (!stateFilter || c.state === stateFilter) &&
        (!sceneFilter || c.sceneText === sceneFilter),
    );
    // The service sends best match first; the other orders keep it among equals (a stable sort).
    if (sort === "newest") return kept.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    if (sort === "scene") return kept.sort((a, b) => a.sceneText.localeCompare(b.sceneText));
    return kept;
  }, [candidates, sort, verdictFilter, stateFilter, sceneFilter]);

  const sources = useMemo(() => {
    if (!reference || review.sources.length === 0) return review.sources;
    const first = review.sources.find((s) => s.id === reference.mediaId);
    return first ? [first, ...review.sources.filter((s) => s !== first)] : review.sources;
  }, [review.sources, reference]);

  const best = candidates.filter((c) => c.state === "pending" && c.overall === "good");
  const selectedCount = candidates.filter((c) => c.selected).length;
  const approve = (ids: string[]) => {
    const form = new FormData();
    form.set("intent", "approve-many");
    for (const id of ids) form.append("candidateId", id);
    bulk.submit(form, { method: "post" });
    setChecked([]);
  };
  const states = [...new Set(candidates.map((c) => c.state))];
  const scenes = [...new Set(candidates.map((c) => c.sceneText))].sort();

  return (
    <BlockStack gap="400">
      <InlineStack align="space-between" blockAlign="start" gap="300">
        <BlockStack gap="100">
          <Text as="h2" variant="headingLg">
            Images to review
          </Text>
          <Text as="p" tone="subdued">
            {candidates.length} image{candidates.length === 1 ? "" : "s"} ·{" "}
            {selectedCount === 0
              ? "no best match this time"
              : `${selectedCount} best match${selectedCount === 1 ? "" : "es"}`}
            . Approved images are upscaled to 2048 px and published to the product with alt text.
          </Text>
          <CalibrationNote calibration={review.calibration} />
        </BlockStack>
        <ButtonGroup>
          <Button onClick={() => approve(best.map((c) => c.id))} disabled={best.length === 0}>
            {best.length === 0 ? "No image good on both counts" : `Approve the ${best.length} best`}
          </Button>
          <Button
            variant="primary"
            onClick={() => approve(checked)}
            disabled={checked.length === 0}
            loading={bulk.state !== "idle"}
          >
            {`Approve selected (${checked.length})`}
          </Button>
        </ButtonGroup>
      </InlineStack>
      <InlineGrid columns={{ xs: 2, md: 4 }} gap="300">
        <Select label="Sort by" options={SORTS} value={sort} onChange={setSort} />
        <Select
          label="Verdict"
          options={[
            { label: "All", value: "" },
            { label: `${LEVEL_WORDS.good} on both counts`, value: "good" },
            { label: LEVEL_WORDS.fair, value: "fair" },
            { label: `${LEVEL_WORDS.poor} on either count`, value: "poor" },
          ]}
          value={verdictFilter}
          onChange={setVerdictFilter}
        />
        <Select
          label="State"
          options={[
            { label: "All", value: "" },
            ...states.map((s) => ({ label: candidateStateLabel(s).label, value: s })),
          ]}
          value={stateFilter}
          onChange={setStateFilter}
        />
        <Select
          label="Scene"
          options={[{ label: "All", value: "" }, ...scenes.map((s) => ({ label: capitalised(s), value: s }))]}
          value={sceneFilter}
          onChange={setSceneFilter}
        />
      </InlineGrid>
      {shown.length === 0 && (
        <Text as="p" tone="subdued">
          No image matches these filters.
        </Text>
      )}
      <InlineGrid columns={{ xs: 1, sm: 2, lg: 3 }} gap="400">
        {shown.map((c, i) => (
          <Box key={c.id}>
            <CandidateCard
              candidate={c}
              index={i}
              adminUrl={adminUrl}
              checked={checked.includes(c.id)}
              onChecked={(on) => setChecked((ids) => (on ? [...ids, c.id] : ids.filter((id) => id !== c.id)))}
              onCompare={() => setCompare({ ids: shown.map((s) => s.id), current: c.id })}
            />
          </Box>
        ))}
      </InlineGrid>
      {compare && (
        <CompareView
          ids={compare.ids}
          current={compare.current}
          candidates={byId}
          sources={sources}
          onMove={(id) => setCompare({ ...compare, current: id })}
          onClose={() => setCompare(null)}
        />
      )}
    </BlockStack>
  );
}
