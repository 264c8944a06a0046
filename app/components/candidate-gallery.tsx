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
import { useState } from "react";
import type { CandidateView, StudioPhoto } from "../services/studio.server";
import { candidateStateLabel, SCENE_KIND_LABELS } from "./labels";
import { ModeBadge } from "./mode-picker";
import { ScoreBars } from "./score-bars";
import { useResultToast, type ToastResult } from "./use-toast";

const RATING_OPTIONS = [
  { label: "Not rated", value: "" },
  { label: "1 – not at all", value: "1" },
  { label: "2 – a little", value: "2" },
  { label: "3 – partly", value: "3" },
  { label: "4 – mostly", value: "4" },
  { label: "5 – exactly", value: "5" },
];

interface CardProps {
  candidate: CandidateView;
  index: number;
  reference: StudioPhoto | null;
  itmThreshold: number;
  adminUrl: string;
  checked: boolean;
  onChecked(value: boolean): void;
}

function CandidateCard({ candidate: c, index, reference, itmThreshold, adminUrl, checked, onChecked }: CardProps) {
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
  const canApprove = ["pending", "rejected", "failed"].includes(state);
  // Until publishing starts (lib/pipeline/review.ts: REJECTABLE_STATES).
  const canReject = ["pending", "approved", "upscaling", "failed"].includes(state);

  return (
    <Card>
      <section aria-label={`${name}: ${c.sceneText}`}>
        <BlockStack gap="300">
          <div className="sb-pair">
            <figure style={{ margin: 0 }}>
              <div className="sb-square">
                <img src={c.imageUrl} alt={`Generated: ${c.prompt}`} width={384} height={384} loading="lazy" />
              </div>
              <figcaption className="sb-caption">Generated</figcaption>
            </figure>
            <figure style={{ margin: 0 }}>
              <div className="sb-square">
                {reference && (
                  <img src={reference.thumbUrl} alt={reference.alt} width={384} height={384} loading="lazy" />
                )}
              </div>
              <figcaption className="sb-caption">
                {reference ? `Your photo ${reference.label}` : "No original"}
              </figcaption>
            </figure>
          </div>
          <BlockStack gap="100">
            <InlineStack gap="200" blockAlign="center">
              <Badge>{SCENE_KIND_LABELS[c.sceneKind] ?? c.sceneKind}</Badge>
              <ModeBadge mode={c.mode} />
              {c.selected && <Badge tone="success">{`Best match (ITM > ${itmThreshold})`}</Badge>}
              <Badge tone={label.tone}>{label.label}</Badge>
            </InlineStack>
            <Text as="h3" variant="headingSm">
              {c.sceneText.charAt(0).toUpperCase() + c.sceneText.slice(1)}
            </Text>
          </BlockStack>
          <ScoreBars scores={c.scores} />
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

interface Props {
  candidates: CandidateView[];
  reference: StudioPhoto | null;
  itmThreshold: number;
  adminUrl: string;
}

/** The generated images: best matches first, each with its scores, next to one of the merchant's photos. */
export function CandidateGallery({ candidates, reference, itmThreshold, adminUrl }: Props) {
  const [checked, setChecked] = useState<string[]>([]);
  const bulk = useFetcher<ToastResult>();
  useResultToast(bulk.data);
  const selectedCount = candidates.filter((c) => c.selected).length;
  const approveChecked = () => {
    const form = new FormData();
    form.set("intent", "approve-many");
    for (const id of checked) form.append("candidateId", id);
    bulk.submit(form, { method: "post" });
    setChecked([]);
  };
  return (
    <BlockStack gap="400">
      <InlineStack align="space-between" blockAlign="center">
        <BlockStack gap="100">
          <Text as="h2" variant="headingLg">
            Images to review
          </Text>
          <Text as="p" tone="subdued">
            {candidates.length} image{candidates.length === 1 ? "" : "s"} ·{" "}
            {selectedCount === 0
              ? "no best match (ITM above the threshold) this time"
              : `${selectedCount} best match${selectedCount === 1 ? "" : "es"}, shown first`}
            . Approved images are upscaled to 2048 px and published to the product with alt text.
          </Text>
          <Text as="p" variant="bodySm" tone="subdued">
            Scores from 0 to 1. Blue: does the product look like yours (DINO, CLIP-I). Dark: does the image fit the
            scene (CLIP-T, ITM, ITC).
          </Text>
        </BlockStack>
        <Button
          variant="primary"
          onClick={approveChecked}
          disabled={checked.length === 0}
          loading={bulk.state !== "idle"}
        >
          {`Approve selected (${checked.length})`}
        </Button>
      </InlineStack>
      <InlineGrid columns={{ xs: 1, sm: 2, lg: 3 }} gap="400">
        {candidates.map((c, i) => (
          <Box key={c.id}>
            <CandidateCard
              candidate={c}
              index={i}
              reference={reference}
              itmThreshold={itmThreshold}
              adminUrl={adminUrl}
              checked={checked.includes(c.id)}
              onChecked={(on) => setChecked((ids) => (on ? [...ids, c.id] : ids.filter((id) => id !== c.id)))}
            />
          </Box>
        ))}
      </InlineGrid>
    </BlockStack>
  );
}
