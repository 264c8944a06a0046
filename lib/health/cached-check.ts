/** One named dependency check: resolves when the dependency answers. */
export type Probe = () => Promise<unknown>;

export interface HealthResult {
  ok: boolean;
  /** "ok" or the failure's message, per probe: for logs and internal ports, never a public answer. */
  checks: Record<string, string>;
}

export interface CachedCheckOptions {
  /** How long a result is reused; load balancers probe every few seconds per instance. */
  ttlMs?: number;
  /** A probe slower than this counts as down (a pool that waits out an outage must not hang the probe). */
  timeoutMs?: number;
  now?: () => number;
}

function withTimeout(probe: Probe, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  const answer = Promise.resolve()
    .then(probe)
    .then(
      () => "ok",
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
  return Promise.race([answer, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A health check that many callers may ask often: the probes run at most once per `ttlMs`, each
 * bounded by `timeoutMs`, and concurrent callers share one run. The probes should reuse the
 * process's own pools and connections, so that a probe costs no new connection.
 */
export function cachedHealthCheck(
  probes: Record<string, Probe>,
  options: CachedCheckOptions = {},
): () => Promise<HealthResult> {
  const { ttlMs = 5000, timeoutMs = 2000, now = Date.now } = options;
  let last: { at: number; result: Promise<HealthResult> } | undefined;
  return () => {
    if (last && now() - last.at < ttlMs) return last.result;
    const result = Promise.all(
      Object.entries(probes).map(async ([name, probe]) => [name, await withTimeout(probe, timeoutMs)] as const),
    ).then((entries) => ({ ok: entries.every(([, status]) => status === "ok"), checks: Object.fromEntries(entries) }));
    last = { at: now(), result };
    return result;
  };
}
