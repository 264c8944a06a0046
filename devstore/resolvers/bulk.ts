import { GraphQLError, Kind, parse, validate, type DocumentNode, type OperationDefinitionNode } from "graphql";
import { connection, type ConnectionArgs } from "../connection";
import { gid, parseGid } from "../ids";
import { parseSearch } from "../search";
import type { Ctx } from "../context";
import { newId, nowIso, type BulkOperationRecord } from "../state";
import { bulkOperationPayload } from "../webhook-payloads";

/** Runs a (validated) query document against the shop with whole connections; set by the executor to avoid an import cycle. */
export type BulkRunner = (
  ctx: Ctx,
  document: DocumentNode,
) => Promise<{ data?: unknown; errors?: readonly GraphQLError[] }>;
let runner: BulkRunner | null = null;
export function setBulkRunner(r: BulkRunner): void {
  runner = r;
}

export function bulkOperationView(ctx: Ctx, op: BulkOperationRecord) {
  return {
    __typename: "BulkOperation",
    id: gid("BulkOperation", op.id),
    type: op.type,
    status: op.status,
    query: op.query,
    errorCode: op.errorCode,
    objectCount: String(op.objectCount),
    rootObjectCount: String(op.rootObjectCount),
    fileSize: op.fileSize === null ? null : String(op.fileSize),
    url: op.resultKey ? new URL(`/bulk/${ctx.shop.domain}/${op.id}.jsonl`, ctx.store.baseUrl).toString() : null,
    partialDataUrl: null,
    createdAt: op.createdAt,
    completedAt: op.completedAt,
  };
}

function isConnectionValue(v: unknown): v is { edges?: { node: unknown }[]; nodes?: unknown[] } {
  return (
    !!v &&
    typeof v === "object" &&
    (Array.isArray((v as { edges?: unknown }).edges) || Array.isArray((v as { nodes?: unknown }).nodes))
  );
}

/** Shopify's bulk JSONL: each connection node on its own line, nested ones pointing at their parent with __parentId. */
export function flattenToJsonl(data: Record<string, unknown>): { lines: string[]; roots: number } {
  const lines: string[] = [];
  let roots = 0;
  const emit = (node: unknown, parentId: string | null) => {
    if (!node || typeof node !== "object") return;
    const flat: Record<string, unknown> = {};
    const nested: unknown[] = [];
    for (const [k, v] of Object.entries(node)) {
      if (isConnectionValue(v)) nested.push(v);
      else flat[k] = v;
    }
    if (parentId) flat.__parentId = parentId;
    else roots += 1;
    lines.push(JSON.stringify(flat));
    const id = typeof flat.id === "string" ? flat.id : null;
    for (const conn of nested) for (const child of itemsOf(conn as never)) emit(child, id);
  };
  const itemsOf = (c: { edges?: { node: unknown }[]; nodes?: unknown[] }) => c.nodes ?? c.edges!.map((e) => e.node);
  for (const v of Object.values(data)) {
    if (isConnectionValue(v)) for (const node of itemsOf(v)) emit(node, null);
  }
  return { lines, roots };
}

async function run(ctx: Ctx, op: BulkOperationRecord, document: DocumentNode): Promise<void> {
  op.status = "RUNNING";
  ctx.store.changed();
  await new Promise((r) => setTimeout(r, ctx.store.timing.bulkStepMs));
  if (!runner) throw new Error("bulk runner not set");
  const result = await runner({ ...ctx, bulk: true }, document);
  if (result.errors?.length || !result.data) {
    Object.assign(op, { status: "FAILED", errorCode: "INTERNAL_SERVER_ERROR", completedAt: nowIso() });
  } else {
    const { lines, roots } = flattenToJsonl(result.data as Record<string, unknown>);
    const key = `bulk/${ctx.shop.id}/${op.id}.jsonl`;
    const body = lines.map((l) => `${l}\n`).join("");
    await ctx.store.blobs.put(key, Buffer.from(body));
    Object.assign(op, {
      status: "COMPLETED",
      objectCount: lines.length,
      rootObjectCount: roots,
      fileSize: Buffer.byteLength(body),
      resultKey: key,
      completedAt: nowIso(),
    });
  }
  ctx.store.changed();
  // Shopify tells the app that started the operation once it ends, whatever the outcome.
  ctx.store.webhooks.trigger("bulk_operations/finish", ctx.shop.domain, bulkOperationPayload(op));
}

/** `bulkOperations(query:)` filters: operation_type, status and id (exact), as Shopify's search syntax names them. */
function bulkOperationMatches(op: BulkOperationRecord, query: string | null | undefined): boolean {
  return parseSearch(query ?? "").every((term) => {
    const value =
      term.field === "operation_type"
        ? op.type
        : term.field === "status"
          ? op.status
          : term.field === "id"
            ? String(op.id)
            : null;
    if (value === null) return true;
    const hit = value.toLowerCase() === term.value;
    return term.negate ? !hit : hit;
  });
}

export const bulkQueries = {
  // Deprecated since 2026-01 in favour of bulkOperations; still served, as Shopify does.
  currentBulkOperation(args: { type?: "QUERY" | "MUTATION" | null }, ctx: Ctx) {
    const type = args.type ?? "QUERY";
    const op = [...ctx.shop.bulkOperations].reverse().find((o) => o.type === type);
    return op ? bulkOperationView(ctx, op) : null;
  },
  bulkOperation(args: { id: string }, ctx: Ctx) {
    const ref = parseGid(args.id);
    const op = ref?.type === "BulkOperation" ? ctx.shop.bulkOperations.find((o) => o.id === ref.id) : undefined;
    return op ? bulkOperationView(ctx, op) : null;
  },
  /** Newest first by default (CREATED_AT; `reverse` gives oldest first), like Shopify. */
  bulkOperations(
    args: ConnectionArgs & { query?: string | null; sortKey?: "CREATED_AT" | "COMPLETED_AT" | null },
    ctx: Ctx,
  ) {
    const key = args.sortKey === "COMPLETED_AT" ? "completedAt" : "createdAt";
    const sorted = ctx.shop.bulkOperations
      .filter((op) => bulkOperationMatches(op, args.query))
      .sort((a, b) => (b[key] ?? "").localeCompare(a[key] ?? "") || b.id - a.id);
    return connection(sorted, args, (op) => bulkOperationView(ctx, op), ctx.bulk);
  },
};

export const bulkMutations = {
  bulkOperationRunQuery(args: { query: string }, ctx: Ctx) {
    const running = ctx.shop.bulkOperations.find(
      (o) => o.type === "QUERY" && (o.status === "CREATED" || o.status === "RUNNING"),
    );
    if (running) {
      return {
        bulkOperation: null,
        userErrors: [
          {
            field: ["query"],
            message: `A bulk query operation for this app and shop is already in progress: ${gid("BulkOperation", running.id)}.`,
            code: "OPERATION_IN_PROGRESS",
          },
        ],
      };
    }
    let document: DocumentNode;
    try {
      document = parse(args.query);
    } catch (err) {
      return {
        bulkOperation: null,
        userErrors: [{ field: ["query"], message: `Invalid bulk query: ${(err as Error).message}`, code: "INVALID" }],
      };
    }
    const schemaErrors = validate(ctx.schema, document);
    const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const problem =
      schemaErrors[0]?.message ??
      (ops.length !== 1 || ops[0]!.operation !== "query"
        ? "Bulk queries must contain exactly one query operation."
        : null);
    if (problem)
      return {
        bulkOperation: null,
        userErrors: [{ field: ["query"], message: `Invalid bulk query: ${problem}`, code: "INVALID" }],
      };
    const op: BulkOperationRecord = {
      id: newId(ctx.store.state),
      type: "QUERY",
      status: "CREATED",
      query: args.query,
      errorCode: null,
      objectCount: 0,
      rootObjectCount: 0,
      fileSize: null,
      resultKey: null,
      createdAt: nowIso(),
      completedAt: null,
    };
    ctx.shop.bulkOperations.push(op);
    ctx.store.changed();
    ctx.store.schedule(ctx.store.timing.bulkStepMs, () => run(ctx, op, document));
    return { bulkOperation: bulkOperationView(ctx, op), userErrors: [] };
  },
};
