import http from "node:http";
import type { AddressInfo } from "node:net";

export interface HealthReport {
  ok: boolean;
  [detail: string]: unknown;
}

/** GET /healthz → 200 with the report when healthy, 503 otherwise. */
export async function startHealthServer(
  port: number,
  host: string,
  report: () => Promise<HealthReport>,
): Promise<http.Server & { port: number }> {
  const server = http.createServer(async (request, response) => {
    if (request.method !== "GET" || request.url?.split("?")[0] !== "/healthz") {
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
