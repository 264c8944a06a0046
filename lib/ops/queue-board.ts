import { timingSafeEqual } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";

/** What an operator may change from the board: nothing (default), or retrying and cleaning jobs. */
export type BoardActions = "none" | "retry-clean";

export interface QueueBoardOptions {
  queues: readonly Queue[];
  /** HTTP Basic credentials of the operators; nothing else is accepted (a merchant's session token included). */
  user: string;
  password: string;
  actions: BoardActions;
}

// Bull Board's routes that retry or clean jobs; every other change (pause, empty, promote, add, edit,
// remove) stays refused even with actions on.
const ALLOWED_CHANGES = [
  /^\/api\/queues\/[^/]+\/(retry|clean)\/[^/]+$/,
  /^\/api\/queues\/[^/]+\/[^/]+\/(retry|clean)$/,
];

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isOperator(request: IncomingMessage, user: string, password: string): boolean {
  const [scheme, encoded] = (request.headers.authorization ?? "").split(" ");
  if (scheme?.toLowerCase() !== "basic" || !encoded) return false;
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return false;
  // Both compared, whatever the first gives, so the answer's timing says nothing about which was wrong.
  const userOk = sameSecret(decoded.slice(0, colon), user);
  const passwordOk = sameSecret(decoded.slice(colon + 1), password);
  return userOk && passwordOk;
}

/** A Bull Board for operators, read-only unless `actions` says otherwise; its own server and credentials. */
export function createQueueBoard(options: QueueBoardOptions): http.Server {
  if (options.password.length < 12) {
    throw new Error("the queue board's password must be at least 12 characters");
  }
  const serverAdapter = new ExpressAdapter();
  const readOnlyMode = options.actions === "none";
  createBullBoard({
    queues: options.queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode, allowRetries: !readOnlyMode })),
    serverAdapter,
    options: { uiConfig: { boardTitle: "SceneBooth queues" } },
  });
  const board = serverAdapter.getRouter() as (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

  return http.createServer((request, response) => {
    if (!isOperator(request, options.user, options.password)) {
      response
        .writeHead(401, { "www-authenticate": 'Basic realm="SceneBooth queues"', "content-type": "text/plain" })
        .end("operator credentials required\n");
      return;
    }
    const route = (request.url ?? "/").split("?")[0]!;
    const changes = request.method !== "GET" && request.method !== "HEAD";
    if (changes && (readOnlyMode || !ALLOWED_CHANGES.some((allowed) => allowed.test(route)))) {
      response.writeHead(403, { "content-type": "text/plain" }).end("this board may not do that\n");
      return;
    }
    board(request, response, () => response.writeHead(404, { "content-type": "text/plain" }).end("not found\n"));
  });
}

export async function listen(server: http.Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
