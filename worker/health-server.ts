import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface HealthReport {
  ok: boolean;
  [detail: string]: unknown;
}

/**
 * The worker's operator endpoints:
 * - GET /livez → 200 while the process answers (a liveness probe: restart only a hung process);
 * - GET /readyz (and /healthz, its older name) → 200 with the report when ready to take jobs, 503 otherwise;
 * - GET /metrics → Prometheus text, when a registry is given.
 */
export async function startHealthServer(
  port: number,
  host: string,
  report: () => Promise<HealthReport>,
  metrics?: Registry,
): Promise<http.Server & { port: number }> {
  const server = http.createServer(async (request, response) => {
    const route = request.method === "GET" ? request.url?.split("?")[0] : undefined;
    if (route === "/livez") {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
      return;
    }
    if (route === "/metrics" && metrics) {
      try {
        const body = await metrics.metrics();
        response.writeHead(200, { "content-type": metrics.contentType }).end(body);
      } catch (error) {
        response.writeHead(503, { "content-type": "text/plain" }).end(`metrics unavailable: ${String(error)}\n`);
      }
      return;
    }
    if (route !== "/readyz" && route !== "/healthz") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    let body: HealthReport;
    try {
      body = await report();
    } catch (error) {
      body = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    response.writeHead(body.ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}
