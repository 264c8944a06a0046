import type { ProductRecord } from "./state";

/** One term of Shopify's search syntax: `field:value`, `field:"quoted value"`, `-field:value`, `value*`. */
interface Term {
  field: string | null;
  value: string;
  negate: boolean;
  prefix: boolean;
}

export function parseSearch(query: string): Term[] {
  const terms: Term[] = [];
  const re = /(-?)(?:([a-z_]+):)?(?:"([^"]*)"|'([^']*)'|(\S+))/gi;
  for (const m of query.matchAll(re)) {
    const raw = (m[3] ?? m[4] ?? m[5] ?? "").trim();
    if (!raw || raw === "AND") continue;
    const prefix = raw.endsWith("*");
    terms.push({
      field: m[2]?.toLowerCase() ?? null,
      value: (prefix ? raw.slice(0, -1) : raw).toLowerCase(),
      negate: m[1] === "-",
      prefix,
    });
  }
  return terms;
}

function textMatches(text: string, term: Term): boolean {
  const t = text.toLowerCase();
  if (term.prefix) return t.split(/[^a-z0-9]+/).some((w) => w.startsWith(term.value)) || t.startsWith(term.value);
  return t.includes(term.value);
}

function fieldValues(p: ProductRecord, field: string): string[] | null {
  switch (field) {
    case "title":
      return [p.title];
    case "product_type":
      return [p.productType];
    case "handle":
      return [p.handle];
    case "vendor":
      return [p.vendor];
    case "status":
      return [p.status];
    case "tag":
      return p.tags;
    case "id":
      return [String(p.id)];
    default:
      return null;
  }
}

/** Whether a product matches a `products(query:)` string; unknown fields are ignored as Shopify does. */
export function productMatches(p: ProductRecord, query: string | null | undefined): boolean {
  if (!query?.trim()) return true;
  return parseSearch(query).every((term) => {
    let hit: boolean;
    if (term.field === null) {
      hit = [p.title, p.productType, p.handle, p.vendor, ...p.tags].some((v) => textMatches(v, term));
    } else {
      const values = fieldValues(p, term.field);
      if (values === null) return true;
      // Exact (case-insensitive) for keyword fields, word/phrase match for the title.
      hit = values.some((v) =>
        term.field === "title" || term.prefix ? textMatches(v, term) : v.toLowerCase() === term.value,
      );
    }
    return term.negate ? !hit : hit;
  });
}
