// Helpers for the JSON routes the admin extensions call (app/routes/api.*).
import { json } from "@remix-run/node";
import { PlanRequiredError, SpendingCapError } from "../../lib/billing";
import { isRedisUnavailable } from "../../lib/queue/connection";
import { log } from "../../lib/log";

/** A request the route answers with `status` and a message the merchant can read. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const MAX_BODY_BYTES = 64 * 1024;

export async function readJson(request: Request): Promise<unknown> {
  if (!(request.headers.get("Content-Type") ?? "").includes("application/json")) {
    throw new ApiError(415, "Send the request as JSON (Content-Type: application/json).", "bad_content_type");
  }
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw new ApiError(413, "The request is too large.", "too_large");
  try {
    return JSON.parse(text || "null");
  } catch {
    throw new ApiError(400, "The request body is not valid JSON.", "bad_json");
  }
}

/** A JSON response (Remix's Node globals have no static Response.json). */
export function jsonResponse(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  return new Response(JSON.stringify(body), { ...init, headers });
}

/** What the merchant reads when the job queue (Redis) does not answer: nothing was started. */
export const QUEUE_UNAVAILABLE_MESSAGE =
  "SceneBooth is busy and could not take this in right now. Nothing was started: try again in a minute.";

const RETRY_LATER = { "Retry-After": "60" };

/** A form action's answer (the toast's { ok: false, error }) when the job queue does not answer: 503. */
export function queueUnavailable() {
  return json({ ok: false as const, error: QUEUE_UNAVAILABLE_MESSAGE }, { status: 503, headers: RETRY_LATER });
}

export { isRedisUnavailable };

/** Runs a handler and turns known errors into JSON answers; anything else is logged and answered 500. */
export async function jsonAnswer(handler: () => Promise<unknown>): Promise<Response> {
  try {
    return jsonResponse(await handler());
  } catch (error) {
    // The library's own answers (its re-auth flow after a refused token) go out as they are.
    if (error instanceof Response) return error;
    if (error instanceof ApiError)
      return jsonResponse({ error: error.message, code: error.code }, { status: error.status });
    if (error instanceof PlanRequiredError)
      return jsonResponse({ error: error.message, code: "plan_required" }, { status: 402 });
    if (error instanceof SpendingCapError)
      return jsonResponse({ error: error.message, code: "over_cap" }, { status: 402 });
    if (isRedisUnavailable(error))
      return jsonResponse({ error: QUEUE_UNAVAILABLE_MESSAGE, code: "busy" }, { status: 503, headers: RETRY_LATER });
    log.error({ err: error }, "api error");
    return jsonResponse(
      { error: "Something went wrong on our side. Please try again.", code: "internal" },
      { status: 500 },
    );
  }
}
