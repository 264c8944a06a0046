// The app's /metrics: only with its own bearer token; the queue counts and the app's counters.
import { afterAll, expect, it } from "vitest";
import { METRIC } from "../../lib/metrics";
import { closeProducers } from "../../lib/queue/producer";
import { metricsResponse } from "./metrics.server";

const TOKEN = "scrape-token-0123456789";
const get = (authorization?: string) =>
  new Request("http://app.test/metrics", { headers: authorization ? { authorization } : {} });

afterAll(() => closeProducers());

it("is absent without a configured token, and refuses anything but that token", async () => {
  expect((await metricsResponse(get(`Bearer ${TOKEN}`), undefined)).status).toBe(404);
  const merchantSessionToken = "eyJhbGciOiJIUzI1NiJ9.eyJkZXN0IjoiaHR0cHM6Ly9hLm15c2hvcGlmeS5jb20ifQ.c2ln";
  for (const authorization of [undefined, `Bearer ${merchantSessionToken}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`]) {
    expect((await metricsResponse(get(authorization), TOKEN)).status).toBe(401);
  }
});

it("answers the scraper with the queue counts and the app's counters", async () => {
  const answer = await metricsResponse(get(`Bearer ${TOKEN}`), TOKEN);
  expect(answer.status).toBe(200);
  const text = await answer.text();
  expect(text).toMatch(new RegExp(`^${METRIC.queueJobs}\\{.*queue="gpu".*state="prioritized".*\\} \\d+$`, "m"));
  for (const name of [METRIC.adminApiCost, METRIC.adminApiWait, METRIC.usageCharges, METRIC.publishes]) {
    expect(text).toContain(`# TYPE ${name} counter`);
  }
});
