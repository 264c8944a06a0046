// The fault suite's case wrapper: each case runs as a vitest test and its outcome — passed, data
// lost, duplicates created, cross-shop reads — is measured by audits of the stack before and after
// it (the database, the queues, the local store's media), then written to test-artifacts/faults/.
// Without FAULTS=full only the cases marked `short` are registered (the `npm test` form).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, it } from "vitest";
import { projectRoot } from "../../lib/config";

export const FAULT_GROUPS = ["bad inputs", "platform faults", "infrastructure faults", "isolation"] as const;
export type FaultGroup = (typeof FAULT_GROUPS)[number];

export const FULL_RUN = process.env.FAULTS === "full";
/** Where each group writes its outcomes; `npm run test:faults` gives every run its own folder. */
export const OUTCOMES_DIR = process.env.FAULTS_OUTCOMES_DIR || path.join(projectRoot, "test-artifacts", "faults");

/** What an audit found: one line per problem, naming the rows it is about (stable between audits). */
export interface AuditFindings {
  lost: string[];
  duplicates: string[];
  crossShop: string[];
}

export interface CaseOutcome {
  group: FaultGroup;
  name: string;
  short: boolean;
  passed: boolean;
  lost: number;
  duplicates: number;
  crossShopReads: number;
  findings: string[];
  error: string | null;
  seconds: number;
}

export interface FaultContext {
  /** A probe of this case read another shop's data (counted, and fails the case). */
  crossShopRead(what: string): void;
  /** This product must end the case with a scene request (counted as lost if it has none). */
  expectRequest(shop: string, productId: string, label: string): void;
}

/** What a group needs from its stack: the audit, and whether a product has a scene request. */
export interface FaultAuditor {
  audit(): Promise<AuditFindings>;
  hasRequest(shop: string, productId: string): Promise<boolean>;
}

export interface FaultCaseOptions {
  /** Part of the short form that `npm test` runs. */
  short?: boolean;
  timeoutMs?: number;
}

const newFindings = (before: string[], after: string[]) => after.filter((f) => !before.includes(f));

/**
 * One file's cases of a group (`part` names the file's share when a group spans files). `audit` inspects the whole stack; a case is charged with the findings
 * that appear while it runs. The outcomes are written when the file's cases are done.
 */
export function faultGroup(group: FaultGroup, auditor: () => FaultAuditor, options: { part?: string } = {}) {
  const outcomes: CaseOutcome[] = [];
  afterAll(() => {
    mkdirSync(OUTCOMES_DIR, { recursive: true });
    // A group whose cases live in more than one file names each file's part.
    const name = [group, options.part].filter(Boolean).join(" ").replace(/\W+/g, "-");
    const file = path.join(OUTCOMES_DIR, `${name}${FULL_RUN ? "" : ".short"}.json`);
    writeFileSync(file, JSON.stringify({ group, full: FULL_RUN, outcomes }, null, 2));
  });

  return function faultCase(name: string, options: FaultCaseOptions, run: (ctx: FaultContext) => Promise<void>): void {
    const short = options.short ?? false;
    if (!FULL_RUN && !short) return;
    it(
      name,
      async () => {
        const started = Date.now();
        const before = await auditor().audit();
        const reads: string[] = [];
        const expected: Array<{ shop: string; productId: string; label: string }> = [];
        let error: Error | null = null;
        try {
          await run({
            crossShopRead: (what) => reads.push(what),
            expectRequest: (shop, productId, label) => expected.push({ shop, productId, label }),
          });
        } catch (e) {
          error = e as Error;
        }
        const after = await auditor().audit();
        const lost = newFindings(before.lost, after.lost);
        for (const e of expected)
          if (!(await auditor().hasRequest(e.shop, e.productId)))
            lost.push(`${e.label} (${e.productId}) never got a scene request`);
        const duplicates = newFindings(before.duplicates, after.duplicates);
        const crossShop = [...reads, ...newFindings(before.crossShop, after.crossShop)];
        const findings = [
          ...lost.map((f) => `lost: ${f}`),
          ...duplicates.map((f) => `duplicate: ${f}`),
          ...crossShop.map((f) => `cross-shop: ${f}`),
        ];
        const passed = error === null && findings.length === 0;
        outcomes.push({
          group,
          name,
          short,
          passed,
          lost: lost.length,
          duplicates: duplicates.length,
          crossShopReads: crossShop.length,
          findings,
          error: error ? error.message.split("\n")[0]!.slice(0, 300) : null,
          seconds: Math.round((Date.now() - started) / 100) / 10,
        });
        if (error) throw error;
        if (findings.length > 0) throw new Error(`the audit after "${name}" found:\n${findings.join("\n")}`);
      },
      options.timeoutMs ?? 180_000,
    );
  };
}
