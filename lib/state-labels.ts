// Merchant-facing names of the subject and candidate states (the products list, the studio and the
// admin actions all show these). Typed by state: a state without a label is a type error.
import {
  CANDIDATE_STATES,
  GENERATION_MODES,
  SUBJECT_STATES,
  type CandidateState,
  type GenerationMode,
  type SubjectState,
} from "./db/enums";

export const SUBJECT_STATE_LABELS: Record<SubjectState, string> = {
  not_started: "Not started",
  checking: "Checking photos",
  needs_attention: "Needs attention",
  training: "Learning the product",
  generating: "Creating scenes",
  review: "Images waiting for review",
  publishing: "Publishing",
  published: "Published",
  failed: "Failed",
  cancelled: "Cancelled",
};

export const CANDIDATE_STATE_LABELS: Record<CandidateState, string> = {
  pending: "Waiting for review",
  approved: "Approved",
  rejected: "Rejected",
  upscaling: "Upscaling to 2048 px",
  publishing: "Publishing",
  published: "Published",
  removed: "Removed from the product",
  failed: "Publishing failed",
};

export function isSubjectState(state: string): state is SubjectState {
  return (SUBJECT_STATES as readonly string[]).includes(state);
}

export function isCandidateState(state: string): state is CandidateState {
  return (CANDIDATE_STATES as readonly string[]).includes(state);
}

/** The label of a subject state read from the database; an unknown state is shown as it is. */
export function subjectStateText(state: string): string {
  return isSubjectState(state) ? SUBJECT_STATE_LABELS[state] : state;
}

/** The two kinds of generated images (issue #19), as the studio's badges and mode picker name them. */
export const GENERATION_MODE_LABELS: Record<GenerationMode, string> = {
  tuned: "Tuned",
  exact: "Exact product",
};

/** The mode of a candidate read from the database (rows from before the mode existed are tuned). */
export function generationModeText(mode: string | null | undefined): string {
  return (GENERATION_MODES as readonly string[]).includes(mode ?? "")
    ? GENERATION_MODE_LABELS[mode as GenerationMode]
    : GENERATION_MODE_LABELS.tuned;
}
