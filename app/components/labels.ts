// Merchant-facing words for the app's states and scores (client-safe).
import type { BadgeProps } from "@shopify/polaris";
import type { CandidateState, SubjectState } from "../../lib/db/enums";
import type { Metric } from "../../lib/selection-rule";
import { CANDIDATE_STATE_LABELS, isCandidateState, isSubjectState, SUBJECT_STATE_LABELS } from "../../lib/state-labels";

type Tone = BadgeProps["tone"];

type Badge = { tone: Tone; progress?: BadgeProps["progress"] };

const SUBJECT_STATE_BADGES: Record<SubjectState, Badge> = {
  not_started: { tone: undefined, progress: "incomplete" },
  checking: { tone: "info", progress: "partiallyComplete" },
  training: { tone: "info", progress: "partiallyComplete" },
  generating: { tone: "info", progress: "partiallyComplete" },
  review: { tone: "attention", progress: "complete" },
  publishing: { tone: "info", progress: "partiallyComplete" },
  published: { tone: "success", progress: "complete" },
  needs_attention: { tone: "warning", progress: "incomplete" },
  failed: { tone: "critical", progress: "incomplete" },
  cancelled: { tone: undefined, progress: "incomplete" },
};

export function subjectStateLabel(state: string): Badge & { label: string } {
  if (!isSubjectState(state)) return { label: state, tone: undefined };
  return { label: SUBJECT_STATE_LABELS[state], ...SUBJECT_STATE_BADGES[state] };
}

const CANDIDATE_STATE_TONES: Record<CandidateState, Tone> = {
  pending: "attention",
  approved: "info",
  rejected: undefined,
  upscaling: "info",
  publishing: "info",
  published: "success",
  removed: undefined,
  failed: "critical",
};

export function candidateStateLabel(state: string): { label: string; tone: Tone } {
  if (!isCandidateState(state)) return { label: state, tone: undefined };
  return { label: CANDIDATE_STATE_LABELS[state], tone: CANDIDATE_STATE_TONES[state] };
}

export type ScoreKey = Metric;

/** The paper's internal metrics, in its order: subject fidelity first, then prompt fidelity. */
export const SCORES: ReadonlyArray<{ key: ScoreKey; name: string; measures: "product" | "scene"; help: string }> = [
  {
    key: "dino",
    name: "DINO",
    measures: "product",
    help: "How much the product looks like your photos (DINO image features).",
  },
  {
    key: "clipI",
    name: "CLIP-I",
    measures: "product",
    help: "How much the product looks like your photos (CLIP image features).",
  },
  { key: "clipT", name: "CLIP-T", measures: "scene", help: "How well the image matches the scene description (CLIP)." },
  {
    key: "itm",
    name: "ITM",
    measures: "scene",
    help: "BLIP's verdict that image and description match (near 0 or 1).",
  },
  { key: "itc", name: "ITC", measures: "scene", help: "How close image and description are in BLIP's shared space." },
];

export const SCENE_KIND_LABELS: Record<string, string> = { general: "General", specific: "Specific", custom: "Custom" };

/** "in 3 min", "about 40 s left"-style text for an ETA. */
export function etaText(etaAt: string | null, now = Date.now()): string {
  if (!etaAt) return "Estimating time left…";
  const seconds = Math.round((Date.parse(etaAt) - now) / 1000);
  if (seconds <= 5) return "Almost done";
  if (seconds < 90) return `About ${seconds} s left`;
  const minutes = Math.round(seconds / 60);
  return minutes < 90 ? `About ${minutes} min left` : `About ${Math.round(minutes / 60)} h left`;
}

/** "5 minutes ago"-style text, locale independent so that server and browser render the same. */
export function relativeTime(iso: string | null, now = Date.now()): string {
  if (!iso) return "—";
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return "Just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  return days === 1 ? "Yesterday" : `${days} days ago`;
}
