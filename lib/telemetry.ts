import { trace, type Span } from "@opentelemetry/api";
import { BullMQOtel } from "bullmq-otel";

/**
 * Traces follow one merchant request from the app's action through every job of its flow: BullMQ
 * carries the trace context in each job (bullmq-otel), so a worker's span is the child of the span
 * that queued it. Without a registered tracer provider (no OTLP endpoint configured) every span is a
 * no-op; `startTracing` registers one.
 */
export const queueTelemetry = new BullMQOtel("scenebooth");

const tracer = trace.getTracer("scenebooth");

/** Runs `fn` inside a span named `name` (ended when `fn` settles, marked as an error if it throws). */
export async function traced<T>(name: string, attributes: Record<string, string>, fn: (span: Span) => Promise<T>) {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: 2 }); // SpanStatusCode.ERROR
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Registers a tracer provider that exports spans by OTLP/HTTP when an endpoint is configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, the OpenTelemetry variables);
 * does nothing otherwise. Returns a function that flushes and stops it.
 */
export async function startTracing(
  serviceName: string,
  env: Record<string, string | undefined> = process.env,
): Promise<(() => Promise<void>) | undefined> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import("@opentelemetry/sdk-trace-node"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
    ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME ?? serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  return () => provider.shutdown();
}
