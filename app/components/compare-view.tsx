import { useFetcher } from "@remix-run/react";
import {
  Badge,
  BlockStack,
  Button,
  ButtonGroup,
  InlineGrid,
  InlineStack,
  Modal,
  RangeSlider,
  Select,
  Text,
} from "@shopify/polaris";
import { useEffect, useState } from "react";
import { APPROVABLE_STATES, REJECTABLE_STATES } from "../../lib/pipeline/review-states";
import type { CandidateView, CompareSource } from "../services/studio.server";
import { candidateStateLabel } from "./labels";
import { useResultToast, type ToastResult } from "./use-toast";
import { VerdictLine } from "./verdict";

const ZOOMS = [1, 1.5, 2, 3, 4];

export const SHORTCUTS: ReadonlyArray<{ keys: string; does: string }> = [
  { keys: "A", does: "approve" },
  { keys: "R", does: "reject" },
  { keys: "J or →", does: "next image" },
  { keys: "K or ←", does: "previous image" },
  { keys: "+ / −", does: "zoom" },
  { keys: "Esc", does: "close" },
];

interface Props {
  /** The images to step through, in the gallery's order when the view opened. */
  ids: string[];
  current: string;
  candidates: Map<string, CandidateView>;
  sources: CompareSource[];
  onMove(id: string): void;
  onClose(): void;
}

/**
 * One generated image large, with zoom and a before/after slider against one of the merchant's
 * photos; A / R approve and reject through the studio's review action, J / K step through the list.
 */
export function CompareView({ ids, current, candidates, sources, onMove, onClose }: Props) {
  const c = candidates.get(current);
  const decide = useFetcher<ToastResult>();
  useResultToast(decide.data);
  const [zoom, setZoom] = useState(1);
  const [split, setSplit] = useState(50);
  // Null until the merchant picks one: the default follows the studio's best photo as it changes.
  const [sourceId, setSourceId] = useState<string | null>(null);
  const source = sources.find((s) => s.id === sourceId) ?? sources[0] ?? null;
  const at = ids.indexOf(current);

  const pending = decide.formData?.get("candidateId") === current ? decide.formData.get("decision") : null;
  const state = pending === "approve" ? "approved" : pending === "reject" ? "rejected" : (c?.state ?? "");
  const canApprove = APPROVABLE_STATES.includes(state);
  const canReject = REJECTABLE_STATES.includes(state);

  const move = (step: number) => {
    const next = ids[at + step];
    if (next) onMove(next);
  };
  const review = (decision: "approve" | "reject") => {
    if (!c || !(decision === "approve" ? canApprove : canReject)) return;
    decide.submit({ intent: "review", candidateId: c.id, decision }, { method: "post" });
  };
  const zoomBy = (step: number) =>
    setZoom((z) => ZOOMS[Math.min(ZOOMS.length - 1, Math.max(0, ZOOMS.indexOf(z) + step))]!);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target?.matches("textarea, select, input:not([type=range]), [contenteditable=true]")) return;
      if (target?.matches("input[type=range]") && event.key.startsWith("Arrow")) return;
      const actions: Record<string, () => void> = {
        a: () => review("approve"),
        r: () => review("reject"),
        j: () => move(1),
        ArrowRight: () => move(1),
        k: () => move(-1),
        ArrowLeft: () => move(-1),
        "+": () => zoomBy(1),
        "=": () => zoomBy(1),
        "-": () => zoomBy(-1),
      };
      const action = actions[event.key.length === 1 ? event.key.toLowerCase() : event.key];
      if (!action) return;
      event.preventDefault();
      action();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  if (!c) return null;
  const label = candidateStateLabel(state);
  return (
    <Modal
      open
      instant
      size="large"
      onClose={onClose}
      title={`Image ${at + 1} of ${ids.length}: ${c.sceneText}`}
      footer={
        <Text as="p" variant="bodySm" tone="subdued">
          Shortcuts: {SHORTCUTS.map((s) => `${s.keys} ${s.does}`).join(" · ")}
        </Text>
      }
    >
      <Modal.Section>
        <InlineGrid columns={{ xs: 1, md: "2fr 1fr" }} gap="400">
          <BlockStack gap="200">
            <div className="sb-compare-stage" data-testid="compare-stage">
              <div className="sb-compare-frame" style={{ width: `${zoom * 100}%` }} data-zoom={zoom}>
                {source && <img src={source.url} alt={source.label} />}
                <img
                  src={c.fullUrl}
                  alt={`Generated: ${c.prompt}`}
                  style={source ? { clipPath: `inset(0 ${100 - split}% 0 0)` } : undefined}
                />
                {source && <div className="sb-compare-divider" style={{ left: `${split}%` }} />}
              </div>
            </div>
            <InlineStack gap="300" blockAlign="center" align="space-between">
              <ButtonGroup>
                <Button onClick={() => zoomBy(-1)} disabled={zoom === ZOOMS[0]} accessibilityLabel="Zoom out">
                  −
                </Button>
                <Button onClick={() => setZoom(1)} disabled={zoom === 1}>
                  Fit
                </Button>
                <Button
                  onClick={() => zoomBy(1)}
                  disabled={zoom === ZOOMS[ZOOMS.length - 1]}
                  accessibilityLabel="Zoom in"
                >
                  +
                </Button>
              </ButtonGroup>
              <Text as="span" variant="bodySm" numeric>{`Zoom ${Math.round(zoom * 100)} %`}</Text>
            </InlineStack>
            {source ? (
              <RangeSlider
                label={`Generated on the left, ${source.label.toLowerCase()} on the right`}
                min={0}
                max={100}
                value={split}
                onChange={(v) => setSplit(typeof v === "number" ? v : v[0])}
                output
              />
            ) : (
              <Text as="p" tone="subdued">
                No photo of the product to compare with.
              </Text>
            )}
          </BlockStack>
          <BlockStack gap="300">
            <InlineStack gap="200">
              <Badge tone={label.tone}>{label.label}</Badge>
              {c.selected && <Badge tone="success">Best match</Badge>}
            </InlineStack>
            {c.verdicts.map((v) => (
              <VerdictLine key={v.aspect} verdict={v} />
            ))}
            {sources.length > 1 && (
              <Select
                label="Compare with"
                options={sources.map((s) => ({ label: s.label, value: s.id }))}
                value={source?.id ?? ""}
                onChange={setSourceId}
              />
            )}
            <ButtonGroup>
              <Button variant="primary" onClick={() => review("approve")} disabled={!canApprove}>
                Approve (A)
              </Button>
              <Button onClick={() => review("reject")} disabled={!canReject}>
                Reject (R)
              </Button>
            </ButtonGroup>
            <ButtonGroup>
              <Button onClick={() => move(-1)} disabled={at <= 0}>
                Previous (K)
              </Button>
              <Button onClick={() => move(1)} disabled={at >= ids.length - 1}>
                Next (J)
              </Button>
            </ButtonGroup>
          </BlockStack>
        </InlineGrid>
      </Modal.Section>
    </Modal>
  );
}
