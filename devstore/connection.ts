import { GraphQLError } from "graphql";
import { decodeCursor, encodeCursor } from "./ids";

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  reverse?: boolean | null;
}

export const MAX_PAGE_SIZE = 250;

/**
 * A Relay connection over records ordered by id, paginated the way Shopify's are: one of
 * `first`/`last` is required (except inside a bulk operation, which reads everything), at most 250.
 */
export function connection<T extends { id: number }, V>(
  records: readonly T[],
  args: ConnectionArgs,
  view: (r: T) => V,
  unbounded = false,
) {
  const { first, last, after, before } = args;
  if (!unbounded) {
    if (first == null && last == null)
      throw new GraphQLError("you must provide one of first or last", { extensions: { code: "BAD_REQUEST" } });
    for (const [name, v] of [
      ["first", first],
      ["last", last],
    ] as const) {
      if (v != null && (v < 0 || v > MAX_PAGE_SIZE)) {
        throw new GraphQLError(`${name} must be between 0 and ${MAX_PAGE_SIZE}`, {
          extensions: { code: "BAD_REQUEST" },
        });
      }
    }
  }
  let list = [...records];
  if (args.reverse) list.reverse();
  if (after) {
    const id = decodeCursor(after);
    const i = list.findIndex((r) => r.id === id);
    list = i >= 0 ? list.slice(i + 1) : [];
  }
  if (before) {
    const id = decodeCursor(before);
    const i = list.findIndex((r) => r.id === id);
    list = i >= 0 ? list.slice(0, i) : list;
  }
  const total = list.length;
  let page = list;
  if (!unbounded && first != null) page = page.slice(0, first);
  if (!unbounded && last != null) page = page.slice(Math.max(0, page.length - last));
  const hasNextPage = first != null && !unbounded ? total > page.length : false;
  const hasPreviousPage = last != null && !unbounded ? total > page.length : Boolean(after);
  const edges = page.map((r) => ({ cursor: encodeCursor(r.id), node: view(r) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
