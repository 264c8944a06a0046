// Bulk runs on the products page: the requests one "Generate scenes" started for many products
// (Generation.bulkRunId), shown while any of them is open, and cancelled as a whole.
import { db } from "../../lib/db";
import { cancelBulkRun } from "../../lib/pipeline/cancel";
import { producers } from "../../lib/queue/producer";
import { gpuJobsAheadOf } from "./gpu-line.server";
import type { ShopContext } from "./shop-context.server";

export interface BulkRunView {
  id: string;
  startedAt: string;
  products: number;
  done: number;
  running: number;
  /** Of those in progress, the ones whose next stage waits in line for a GPU. */
  waitingForGpu: number;
  waiting: number;
  stopped: number;
}

const OPEN = ["queued", "running"];

/** The shop's bulk runs that still have open requests, newest first. */
export async function openBulkRuns(ctx: ShopContext): Promise<BulkRunView[]> {
  const open = await ctx.db.generation.findMany({
    where: { bulkRunId: { not: null }, status: { in: OPEN } },
    distinct: ["bulkRunId"],
    select: { bulkRunId: true },
  });
  if (open.length === 0) return [];
  const rows = await ctx.db.generation.groupBy({
    by: ["bulkRunId", "status"],
    where: { bulkRunId: { in: open.map((g) => g.bulkRunId!) } },
    _count: { _all: true },
    _min: { createdAt: true },
  });
  const runs = new Map<string, BulkRunView>();
  for (const row of rows) {
    const id = row.bulkRunId!;
    const run = runs.get(id) ?? {
      id,
      startedAt: "",
      products: 0,
      done: 0,
      running: 0,
      waitingForGpu: 0,
      waiting: 0,
      stopped: 0,
    };
    const started = row._min.createdAt!.toISOString();
    if (!run.startedAt || started < run.startedAt) run.startedAt = started;
    const n = row._count._all;
    run.products += n;
    if (row.status === "succeeded") run.done += n;
    else if (row.status === "running") run.running += n;
    else if (row.status === "queued") run.waiting += n;
    else run.stopped += n;
    runs.set(id, run);
  }
  const running = await ctx.db.generation.findMany({
    where: { bulkRunId: { in: [...runs.keys()] }, status: "running" },
    select: { id: true, status: true, bulkRunId: true },
  });
  const ahead = await Promise.all(running.map((g) => gpuJobsAheadOf(g)));
  running.forEach((g, i) => {
    if (ahead[i] !== null) runs.get(g.bulkRunId!)!.waitingForGpu += 1;
  });
  return [...runs.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/** Cancels every open request of the run: what has not run is not charged, what is done stays. */
export async function cancelRun(ctx: ShopContext, runId: string): Promise<string> {
  const cancelled = await cancelBulkRun(db(), producers(), ctx.shop, runId);
  return cancelled === 0
    ? "Nothing left to cancel in this run."
    : `Cancelling ${cancelled} request${cancelled === 1 ? "" : "s"}: nothing more will be charged for ${cancelled === 1 ? "it" : "them"}; finished images stay.`;
}
