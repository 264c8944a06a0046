// The fault suite's table: per group and in total, cases tried, passed, data lost, duplicates
// created and cross-shop reads, from the outcomes tests/faults writes (one JSON file per group).

export const GROUPS = ["bad inputs", "platform faults", "infrastructure faults", "isolation"];

/** Sums the outcomes per group (in GROUPS order) and in total. */
export function summarise(outcomes) {
  const empty = () => ({ tried: 0, passed: 0, lost: 0, duplicates: 0, crossShopReads: 0 });
  const rows = new Map(GROUPS.map((g) => [g, empty()]));
  const total = empty();
  for (const o of outcomes) {
    if (!rows.has(o.group)) rows.set(o.group, empty());
    for (const row of [rows.get(o.group), total]) {
      row.tried += 1;
      row.passed += o.passed ? 1 : 0;
      row.lost += o.lost;
      row.duplicates += o.duplicates;
      row.crossShopReads += o.crossShopReads;
    }
  }
  return { groups: [...rows].map(([group, row]) => ({ group, ...row })), total };
}

/** The Markdown report: the table, then every case that did not pass with what went wrong. */
export function faultTableMarkdown(outcomes, { title = "Fault suite", note = "" } = {}) {
  const { groups, total } = summarise(outcomes);
  const line = (name, r) =>
    `| ${name} | ${r.tried} | ${r.passed} | ${r.lost} | ${r.duplicates} | ${r.crossShopReads} |`;
  const lines = [
    `# ${title}`,
    "",
    ...(note ? [note, ""] : []),
    "| group | cases tried | passed | data lost | duplicates created | cross-shop reads |",
    "|---|---:|---:|---:|---:|---:|",
    ...groups.map((g) => line(g.group, g)),
    line("**total**", total),
  ];
  const failed = outcomes.filter((o) => !o.passed);
  if (failed.length > 0) {
    lines.push("", "## Cases that did not pass", "");
    for (const o of failed) {
      lines.push(`- **${o.group}: ${o.name}**${o.error ? ` — ${o.error}` : ""}`);
      for (const f of o.findings) lines.push(`  - ${f}`);
    }
  }
  lines.push("", "## Cases", "", "| group | case | result | seconds |", "|---|---|---|---:|");
  for (const o of outcomes)
    lines.push(`| ${o.group} | ${o.name.replace(/\|/g, "\\|")} | ${o.passed ? "passed" : "FAILED"} | ${o.seconds} |`);
  return `${lines.join("\n")}\n`;
}
