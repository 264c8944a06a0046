// The app's Prometheus endpoint: its process metrics, every queue's job counts and the counters the
// app adds to (Admin API cost and waits, usage charges). Only for the scraper: a bearer token of its
// own (METRICS_TOKEN), never a merchant's session; without one configured there is no endpoint.
import { timingSafeEqual } from "node:crypto";
import { config } from "../../lib/config";
import { createMetrics, type Metrics } from "../../lib/metrics";
import { QUEUE_KEYS } from "../../lib/pipeline/stages";
import { appProducers } from "./queues.server";

let metrics: Metrics | undefined;

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function metricsResponse(request: Request, token = config().metricsToken): Promise<Response> {
  if (!token) return new Response("not found\n", { status: 404 });
  const [scheme, given] = (request.headers.get("authorization") ?? "").split(" ");
  if (scheme?.toLowerCase() !== "bearer" || !given || !sameToken(given, token)) {
    return new Response("metrics token required\n", { status: 401, headers: { "www-authenticate": "Bearer" } });
  }
  metrics ??= createMetrics(
    QUEUE_KEYS.map((key) => appProducers().queue(key)),
    { process: "app" },
  );
  return new Response(await metrics.registry.metrics(), {
    headers: { "content-type": metrics.registry.contentType, "cache-control": "no-store" },
  });
}
