import type { AppCredentials } from "./auth";
import type { LocalStore } from "./store";

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A bare "Shopify admin" for the demo: the shops, their products, and a link that opens the app embedded-style. */
export function adminPage(store: LocalStore, app: AppCredentials): string {
  const shops = store.state.shops
    .map((s) => {
      const open = `/admin/apps/${encodeURIComponent(app.apiKey)}?shop=${encodeURIComponent(s.domain)}`;
      const rows = s.products
        .map((p) => `<li>${esc(p.title)} <small>(${esc(p.productType)}, ${p.mediaIds.length} media)</small></li>`)
        .join("");
      return `<section><h2>${esc(s.name)} <small>${esc(s.domain)}</small></h2><p><a href="${open}">Open SceneBooth in this shop</a>${s.installed ? "" : " (not installed)"}</p><details><summary>${s.products.length} products</summary><ul>${rows}</ul></details></section>`;
    })
    .join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>Local Shopify store (stand-in)</title></head><body style="font-family:system-ui,sans-serif;max-width:760px;margin:2rem auto">
<h1>Local Shopify store</h1><p>A stand-in for Shopify, for development and tests. App URL: ${esc(app.appUrl ?? "(none)")}</p>${shops}</body></html>`;
}
