import { useFetcher, useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";
import type { Progress } from "../services/studio.server";
import { NO_BACKOFF, nextBackoff, pollDelayMs } from "./poll-backoff";

const BUSY_CANDIDATE = ["approved", "upscaling", "publishing"];

type Generation = NonNullable<Progress["generation"]>;
type PolledProgress = Progress & { now: string };

const signature = (
  g: { status: string; stage: string | null } | null,
  candidates: ReadonlyArray<{ id: string; state: string }>,
) =>
  `${g?.status}/${g?.stage}/${candidates
    .map((c) => `${c.id}:${c.state}`)
    .sort()
    .join(",")}`;

/** Everything the merchant would see move: a new answer that differs in none of it is "nothing changed". */
const visibleSignature = (p: PolledProgress) =>
  `${p.generation?.id}/${p.generation?.progress}/${p.generation?.stageLabel}/${p.generation?.etaAt}/${signature(p.generation, p.candidates)}`;

/** The poll's answer when it is about the generation the page shows (or the page shows none yet). */
function livePoll(polled: PolledProgress | undefined, generation: Generation | null): PolledProgress | null {
  if (!polled) return null;
  if (!generation) return polled;
  return polled.generation?.id === generation.id ? polled : null;
}

function isActive(generation: Generation | null, candidates: ReadonlyArray<{ state: string }>): boolean {
  if (generation?.status === "queued" || generation?.status === "running") return true;
  return candidates.some((c) => BUSY_CANDIDATE.includes(c.state));
}

/**
 * Live progress for the studio: while a request or a publish runs, polls the progress route (one
 * request at a time; a second after the last answer, longer while the answers stay the same — see
 * poll-backoff.ts) and reloads the page's data when the generation or a candidate moves on.
 * Returns the newest poll that applies (null before one).
 */
export function useProgressPolling(
  productId: string,
  generation: Generation | null,
  candidates: ReadonlyArray<{ id: string; state: string }>,
) {
  const poll = useFetcher<PolledProgress>();
  const { load, state: pollState } = poll;
  const live = livePoll(poll.data, generation);
  const active = isActive(live?.generation ?? generation, live?.candidates ?? candidates);
  const backoff = useRef(NO_BACKOFF);

  // Declared before the timer's effect: each answer is counted before the next wait is chosen.
  useEffect(() => {
    if (poll.data) backoff.current = nextBackoff(backoff.current, visibleSignature(poll.data));
  }, [poll.data]);

  useEffect(() => {
    if (!active) backoff.current = NO_BACKOFF;
    if (!active || pollState !== "idle") return;
    const timer = setTimeout(() => load(`/app/products/${productId}/progress`), pollDelayMs(backoff.current));
    return () => clearTimeout(timer);
  }, [active, pollState, productId, load]);

  const revalidator = useRevalidator();
  const loaded = signature(generation, candidates);
  const polled = poll.data ? signature(poll.data.generation, poll.data.candidates) : loaded;
  useEffect(() => {
    if (polled !== loaded && revalidator.state === "idle") revalidator.revalidate();
  }, [polled, loaded, revalidator]);

  return live;
}
