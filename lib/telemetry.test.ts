// One merchant request as one trace: the span that queued the flow is the ancestor of every stage's
// span, as the workers run them (real Redis, the real flow, BullMQ's OpenTelemetry integration).
import { randomUUID } from "node:crypto";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import type { Worker } from "bullmq";
import { afterAll, beforeAll, expect, it } from "vitest";
import { generationFlow } from "./pipeline/flow";
import { PIPELINE_STAGES } from "./pipeline/stages";
import {
  checkRedis,
  createProducers,
  createRedisConnection,
  createTypedWorker,
  QUEUE_NAMES,
  type Producers,
  type QueueKey,
} from "./queue";
import { startTracing, traced } from "./telemetry";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const prefix = `test-${randomUUID()}`;
let producers: Producers;
const workers: Worker[] = [];

beforeAll(async () => {
  provider.register();
  await checkRedis(REDIS_URL);
  producers = createProducers(createRedisConnection(REDIS_URL), prefix);
  const queues = [...new Set(PIPELINE_STAGES.map((s) => s.queue))] as QueueKey[];
  for (const queue of queues) {
    const processors = Object.fromEntries(
      PIPELINE_STAGES.filter((s) => s.queue === queue).map((s) => [s.name, async () => ({ stage: s.name })]),
    );
    workers.push(createTypedWorker(queue, processors, { connection: createRedisConnection(REDIS_URL), prefix }));
  }
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  for (const queue of Object.keys(QUEUE_NAMES) as QueueKey[]) await producers.queue(queue).obliterate({ force: true });
  await producers.close();
  await provider.shutdown();
});

it("a trace of one request has a span for each stage, under the span that queued it", { timeout: 60_000 }, async () => {
  const job = { shop: "trace-shop.myshopify.com", generationId: `gen-${randomUUID()}` };
  const rootSpanId = await traced("queue scene requests", { shop: job.shop }, async (span) => {
    await producers.flows.add(generationFlow(job, 1));
    return span.spanContext().spanId;
  });
  // The last stage's span ends just after its job completes: wait for the spans, not for the job.
  const processed = (name: string) =>
    exporter.getFinishedSpans().some((s) => s.name.startsWith("process") && s.attributes["bullmq.job.name"] === name);
  for (let i = 0; i < 300 && !PIPELINE_STAGES.every((s) => processed(s.name)); i++)
    await new Promise((r) => setTimeout(r, 50));

  const spans = exporter.getFinishedSpans();
  const queued = spans.find((s) => s.spanContext().spanId === rootSpanId)!;
  const trace = spans.filter((s) => s.spanContext().traceId === queued.spanContext().traceId);
  const text = trace.map((s) => `${s.name} ${JSON.stringify(s.attributes)}`).join("\n");
  for (const stage of PIPELINE_STAGES) {
    expect(
      trace.some((s) => s.name.startsWith("process") && s.attributes["bullmq.job.name"] === stage.name),
      `a process span for ${stage.name} in:\n${text}`,
    ).toBe(true);
  }
  // Every span of the trace descends from the one that queued the request.
  const byId = new Map(trace.map((s) => [s.spanContext().spanId, s]));
  for (const span of trace) {
    let node = span;
    while (node.parentSpanContext?.spanId && byId.has(node.parentSpanContext.spanId))
      node = byId.get(node.parentSpanContext.spanId)!;
    expect(node.spanContext().spanId, span.name).toBe(rootSpanId);
  }
});

it("exports nothing and registers nothing without an OTLP endpoint", async () => {
  expect(await startTracing("scenebooth-test", {})).toBeUndefined();
});
