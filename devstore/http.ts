import http from "node:http";
import sharp from "sharp";
import { SHOPIFY_API_VERSION } from "../lib/shopify-admin/version";
import { isShopDomain, shopHandle } from "../lib/shop-domain";
import { accessTokenEndpoint, authorizeRedirect, mintSessionToken, tokenOwner, type AppCredentials } from "./auth";
import type { Faults, FaultRoute } from "./faults";
import { serveVersion } from "./api-versions";
import { handleGraphql } from "./graphql";
import { handleUpload } from "./staged-uploads";
import type { LocalStore } from "./store";
import type { Throttle } from "./throttle";
import { adminPage } from "./admin-page";
import type { ControlRoutes } from "./control";
import { serveAppBridgeStandin } from "./app-bridge-standin";

export interface HttpDeps {
  store: LocalStore;
  app: AppCredentials;
  throttle: Throttle;
  faults: Faults;
  control: ControlRoutes;
  log: (line: string) => void;
}

const MAX_BODY = 25 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage, limit = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new HttpError(413, `Request body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const isText = typeof body === "string" || Buffer.isBuffer(body);
  const payload = isText ? (body as string | Buffer) : JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": isText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
    ...headers,
  });
  res.end(payload);
}

/** The shop a request is for: the original host the app's transport forwards, the Host header, or ?shop=. */
export function requestShop(req: http.IncomingMessage, url: URL): string | null {
  const forwarded = req.headers["x-forwarded-host"];
  const candidates = [
    Array.isArray(forwarded) ? forwarded[0] : forwarded,
    req.headers.host,
    url.searchParams.get("shop"),
  ];
  for (const c of candidates) {
    const host = c?.split(":")[0]?.trim().toLowerCase();
    if (isShopDomain(host)) return host;
  }
  return null;
}

function headersOf(req: http.IncomingMessage): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") h.set(k, v);
  return h;
}

function parseJsonBody(raw: Buffer, contentType: string | undefined): Record<string, unknown> {
  const text = raw.toString("utf8");
  if (contentType?.includes("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
  try {
    const v = JSON.parse(text || "{}") as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, "Body must be a JSON object");
}

/**
 * Applies an injected fault. "answered": the fault answered (or dropped) the request; "lose-answer":
 * handle the request, then close the connection instead of answering; null: no fault.
 */
async function applyFault(
  deps: HttpDeps,
  route: Exclude<FaultRoute, "any">,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  graphqlBody?: string,
): Promise<"answered" | "lose-answer" | null> {
  const fault = deps.faults.take(route, graphqlBody);
  if (!fault) return null;
  deps.log(`fault on ${route}: ${JSON.stringify(fault)}`);
  if (fault.kind === "drop") {
    req.socket.destroy();
    return "answered";
  }
  if (fault.kind === "lost-answer") return "lose-answer";
  if (fault.kind === "delay") {
    await new Promise((r) => setTimeout(r, fault.ms));
    return res.destroyed || req.socket.destroyed ? "answered" : null;
  }
  const headers: Record<string, string> = {};
  if (fault.status === 429) headers["Retry-After"] = String(fault.retryAfterSeconds ?? 1);
  const body =
    fault.body ??
    (fault.status === 429
      ? { errors: "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." }
      : fault.status >= 500
        ? `${fault.status} ${http.STATUS_CODES[fault.status] ?? "Error"}`
        : { errors: http.STATUS_CODES[fault.status] });
  send(res, fault.status, body, headers);
  return "answered";
}

async function serveGraphql(
  deps: HttpDeps,
  req: http.IncomingMessage,
  url: URL,
  version: string,
  raw: Buffer,
): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
  const served = serveVersion(version, deps.store.apiVersions);
  if (!served) return { status: 404, body: { errors: "Not Found" } };
  const { stats } = deps.store;
  stats.requestedApiVersions[version] = (stats.requestedApiVersions[version] ?? 0) + 1;
  if (served.fellBack) {
    stats.versionFallbacks += 1;
    if (stats.requestedApiVersions[version] === 1)
      deps.log(`Admin API ${version} is not supported: answering it with ${served.served}`);
  }
  const versionHeader = { "X-Shopify-API-Version": served.served };
  const tokenHeader = req.headers["x-shopify-access-token"];
  const owner = tokenOwner(deps.store.state, deps.store.tokens, typeof tokenHeader === "string" ? tokenHeader : null);
  const shopDomain = requestShop(req, url) ?? owner?.shop ?? null;
  if (!owner || owner.shop !== shopDomain) {
    return {
      status: 401,
      body: { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" },
      headers: versionHeader,
    };
  }
  const shop = deps.store.shop(owner.shop);
  if (!shop) return { status: 404, body: { errors: "Not Found" }, headers: versionHeader };
  const body = parseJsonBody(raw, "application/json");
  const result = await handleGraphql(
    {
      store: deps.store,
      shop,
      schema: deps.store.schemaFor(served.served),
      bulk: false,
      access: { granted: owner.scope.split(","), required: deps.app.scopes, optional: deps.app.optionalScopes ?? [] },
    },
    deps.throttle.bucket(shop.domain),
    body,
  );
  return { ...result, headers: { ...versionHeader, ...result.headers } };
}

async function serveOAuth(
  deps: HttpDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const shop = requestShop(req, url);
  if (!shop) {
    send(res, 400, {
      error: "invalid_request",
      error_description: "Which shop? Send the shop's host (X-Forwarded-Host or Host) or ?shop=.",
    });
    return;
  }
  if (url.pathname === "/admin/oauth/authorize" && req.method === "GET") {
    const r = authorizeRedirect(deps.store.state, deps.app, shop, url.searchParams);
    if (r.location) res.writeHead(302, { Location: r.location }).end();
    else send(res, r.status, r.message ?? "");
    return;
  }
  if (url.pathname === "/admin/oauth/access_token" && req.method === "POST") {
    const body = parseJsonBody(await readBody(req, 64 * 1024), req.headers["content-type"]);
    const r = await accessTokenEndpoint(deps.store.state, deps.app, deps.store.tokens, shop, body);
    if (r.status === 200) deps.store.changed();
    send(res, r.status, r.body);
    return;
  }
  send(res, 404, { errors: "Not Found" });
}

async function serveFile(
  deps: HttpDeps,
  res: http.ServerResponse,
  url: URL,
  shopDomain: string,
  fileId: number,
): Promise<void> {
  const file = deps.store.shop(shopDomain)?.files.find((f) => f.id === fileId);
  if (!file?.blob || file.status !== "READY") {
    send(res, 404, "Not Found");
    return;
  }
  let bytes = await deps.store.blobs.read(file.blob);
  const width = Number(url.searchParams.get("width")) || undefined;
  const height = Number(url.searchParams.get("height")) || undefined;
  if ((width || height) && file.typename === "MediaImage") {
    bytes = await sharp(bytes).resize({ width, height, fit: "inside", withoutEnlargement: true }).toBuffer();
  }
  send(res, 200, bytes, {
    "Content-Type": file.mimeType ?? "application/octet-stream",
    "Cache-Control": "public, max-age=31536000",
  });
}

async function route(deps: HttpDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", deps.store.baseUrl);
  const path = url.pathname;
  let m: RegExpExecArray | null;

  if (path === "/healthz")
    return send(res, 200, { ok: true, apiVersion: SHOPIFY_API_VERSION, supportedApiVersions: deps.store.apiVersions });
  if (
    path.startsWith("/app-bridge-standin") &&
    req.method === "GET" &&
    (await serveAppBridgeStandin(deps.store, deps.app, res, url))
  )
    return;
  if (path.startsWith("/__devstore/"))
    return deps.control.handle(
      req,
      res,
      url,
      parseJsonBody(await readBody(req, 1024 * 1024), req.headers["content-type"]),
    );

  if ((m = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(path))) {
    if (req.method !== "POST") return send(res, 405, { errors: "Use POST" });
    const raw = await readBody(req, 2 * 1024 * 1024);
    const fault = await applyFault(deps, "graphql", req, res, raw.toString("utf8"));
    if (fault === "answered") return;
    const result = await serveGraphql(deps, req, url, m[1]!, raw);
    if (fault === "lose-answer") return void req.socket.destroy();
    return send(res, result.status, result.body, result.headers);
  }
  if (path.startsWith("/admin/oauth/")) {
    // A lost answer is only told apart on GraphQL and uploads; here it drops the request.
    const fault = await applyFault(deps, "oauth", req, res);
    if (fault === "lose-answer") req.socket.destroy();
    if (fault !== null) return;
    return serveOAuth(deps, req, res, url);
  }
  if (/^\/staged-uploads\/\d+$/.test(path) && (req.method === "POST" || req.method === "PUT")) {
    const fault = await applyFault(deps, "upload", req, res);
    if (fault === "answered") return;
    const result = await handleUpload(deps.store, url, req.method, headersOf(req), await readBody(req));
    if (fault === "lose-answer") return void req.socket.destroy();
    return send(res, result.status, result.body, { "Content-Type": result.contentType });
  }
  if ((m = /^\/cdn\/shops\/([^/]+)\/files\/(\d+)\/[^/]+$/.exec(path)) && req.method === "GET") {
    const fault = await applyFault(deps, "cdn", req, res);
    if (fault === "lose-answer") req.socket.destroy();
    if (fault !== null) return;
    return serveFile(deps, res, url, m[1]!, Number(m[2]));
  }
  if ((m = /^\/bulk\/([^/]+)\/(\d+)\.jsonl$/.exec(path)) && req.method === "GET") {
    const op = deps.store.shop(m[1]!)?.bulkOperations.find((o) => o.id === Number(m![2]));
    if (!op?.resultKey) return send(res, 404, "Not Found");
    return send(res, 200, await deps.store.blobs.read({ kind: "local", key: op.resultKey }), {
      "Content-Type": "application/jsonl",
    });
  }
  if ((m = /^\/admin\/apps\/([^/]+)\/?$/.exec(path)) && req.method === "GET") {
    // The embedded app as the Shopify admin would open it: shop, host and a fresh id_token.
    const shop = requestShop(req, url);
    if (!shop || !deps.store.shop(shop)) return send(res, 404, "Unknown shop; open /admin and pick one.");
    if (m[1] !== deps.app.apiKey) return send(res, 404, `No app with API key ${m[1]} in the local store.`);
    if (!deps.app.appUrl) return send(res, 409, "The local store has no app URL (--app-url).");
    const target = new URL("/app", deps.app.appUrl);
    target.searchParams.set("embedded", "1");
    target.searchParams.set("shop", shop);
    target.searchParams.set(
      "host",
      Buffer.from(`admin.shopify.com/store/${shopHandle(shop)}`)
        .toString("base64")
        .replace(/=+$/, ""),
    );
    target.searchParams.set("id_token", await mintSessionToken(deps.app, shop));
    res.writeHead(302, { Location: target.toString() }).end();
    return;
  }
  if (path === "/admin" || path === "/admin/" || path === "/") {
    return send(res, 200, adminPage(deps.store, deps.app), { "Content-Type": "text/html; charset=utf-8" });
  }
  send(res, 404, { errors: "Not Found" });
}

export function createHttpServer(deps: HttpDeps): http.Server {
  return http.createServer((req, res) => {
    route(deps, req, res).catch((err: unknown) => {
      if (err instanceof HttpError) return send(res, err.status, { errors: err.message });
      deps.log(`error on ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) send(res, 500, { errors: "Internal Server Error (local store)" });
      else res.destroy();
    });
  });
}
