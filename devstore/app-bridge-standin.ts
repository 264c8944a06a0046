// A stand-in for Shopify App Bridge (cdn.shopify.com/shopifycloud/app-bridge.js), which cannot be
// loaded here. Development and tests only: the app swaps the script URL to this one when
// SHOPIFY_LOCAL_STORE_URL is set; production always loads the real App Bridge from Shopify's CDN.
//
// It does what the app relies on: `shopify.idToken()` (a session token from the local store, the
// "admin" here), the fetch interceptor that adds `Authorization: Bearer <session token>` to the
// app's own requests (and retries once when the app asks for a fresh token), `shopify.toast`,
// `shopify.loading`, a visible bar for `<ui-nav-menu>` (the real one lives in the admin), the save
// bar (`<ui-save-bar>` and `shopify.saveBar`, drawn at the top of the frame where the admin draws
// it above its top bar) and `shopify:admin/…` links (opened on the local store's admin page).
import type http from "node:http";
import { mintSessionToken, type AppCredentials } from "./auth";
import type { LocalStore } from "./store";

export const APP_BRIDGE_STANDIN_PATH = "/app-bridge-standin.js";
const TOKEN_PATH = "/app-bridge-standin/id-token";

const SCRIPT = String.raw`(() => {
  "use strict";
  if (window.shopify && window.shopify.__standin) return;
  const script = document.currentScript;
  const src = new URL(script ? script.src : location.href);
  const apiKey = script ? script.getAttribute("data-api-key") : null;
  const params = new URLSearchParams(location.search);
  const storageKey = "app-bridge-standin:shop";
  const shop = params.get("shop") || src.searchParams.get("shop") || sessionStorage.getItem(storageKey);
  if (shop) sessionStorage.setItem(storageKey, shop);
  const nativeFetch = window.fetch.bind(window);
  let cached = null;
  const firstToken = params.get("id_token");
  if (firstToken) {
    try {
      const claims = JSON.parse(atob(firstToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      cached = { token: firstToken, exp: claims.exp };
    } catch (e) { /* not a JWT: ask for a new one */ }
  }

  async function idToken() {
    if (cached && cached.exp - 10 > Date.now() / 1000) return cached.token;
    if (!shop) throw new Error("App Bridge stand-in: no shop (open the app from the local store's admin page).");
    const res = await nativeFetch(src.origin + "${TOKEN_PATH}?shop=" + encodeURIComponent(shop));
    if (!res.ok) throw new Error("App Bridge stand-in: no session token (" + res.status + ")");
    cached = await res.json();
    return cached.token;
  }

  window.fetch = async function standinFetch(input, init) {
    const request = new Request(input, init);
    if (new URL(request.url).origin !== location.origin || request.headers.has("Authorization")) return nativeFetch(request);
    const retry = request.clone();
    const send = async (req) => {
      const headers = new Headers(req.headers);
      headers.set("Authorization", "Bearer " + (await idToken()));
      return nativeFetch(new Request(req, { headers }));
    };
    let response = await send(request);
    if (response.headers.get("X-Shopify-Retry-Invalid-Session-Request")) {
      cached = null;
      response = await send(retry);
    }
    const reauthorize = response.headers.get("X-Shopify-API-Request-Failure-Reauthorize-Url");
    if (reauthorize) window.location.assign(reauthorize);
    return response;
  };

  const style = document.createElement("style");
  style.textContent =
    "ui-nav-menu{display:flex;gap:20px;align-items:center;padding:8px 16px;background:#1a1a1a;color:#e3e3e3;font:13px/20px system-ui,sans-serif}" +
    "ui-nav-menu::before{content:'Local admin (App Bridge stand-in)';color:#a8a8a8;margin-right:8px}" +
    "ui-nav-menu a{color:#fff;text-decoration:none}ui-nav-menu a:hover,ui-nav-menu a:focus-visible{text-decoration:underline}" +
    "ui-nav-menu a[rel=home]{font-weight:600}" +
    "#app-bridge-standin-toasts{position:fixed;left:50%;bottom:24px;transform:translateX(-50%);display:flex;flex-direction:column;gap:8px;z-index:100000}" +
    "#app-bridge-standin-toasts div{background:#1a1a1a;color:#fff;padding:10px 16px;border-radius:10px;font:14px system-ui,sans-serif;box-shadow:0 4px 12px rgba(0,0,0,.25)}" +
    "#app-bridge-standin-toasts div[data-error]{background:#8e1f0b}" +
    "ui-save-bar{display:none}" +
    "#app-bridge-standin-save-bar{position:sticky;top:0;z-index:100000;display:flex;gap:8px;align-items:center;padding:8px 16px;background:#1a1a1a;color:#fff;font:14px system-ui,sans-serif}" +
    "#app-bridge-standin-save-bar span{flex:1}#app-bridge-standin-save-bar button{font:inherit;padding:4px 12px;border-radius:8px;border:1px solid #8a8a8a;background:#303030;color:#fff}" +
    "#app-bridge-standin-save-bar button[data-primary]{background:#fff;color:#1a1a1a}";
  document.head.appendChild(style);

  // <ui-save-bar id="…"><button variant="primary">Save</button><button>Discard</button></ui-save-bar>:
  // the bar's Save and Discard click those buttons; a "loading" attribute disables the bar's button.
  let shownBar = null;
  function renderSaveBar() {
    let bar = document.getElementById("app-bridge-standin-save-bar");
    if (!shownBar || !shownBar.isConnected) {
      if (bar) bar.remove();
      shownBar = null;
      return;
    }
    if (!bar) {
      bar = document.createElement("div");
      bar.id = "app-bridge-standin-save-bar";
      bar.setAttribute("role", "region");
      bar.setAttribute("aria-label", "Unsaved changes");
      document.body.prepend(bar);
    }
    bar.replaceChildren();
    const label = document.createElement("span");
    label.textContent = "Unsaved changes";
    bar.appendChild(label);
    const children = Array.from(shownBar.querySelectorAll("button"));
    const discard = children.find((b) => b.getAttribute("variant") !== "primary");
    const save = children.find((b) => b.getAttribute("variant") === "primary");
    for (const [source, text] of [[discard, "Discard"], [save, "Save"]]) {
      if (!source) continue;
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = text;
      if (source === save) button.setAttribute("data-primary", "");
      const busy = source.hasAttribute("loading");
      button.disabled = busy || source.disabled;
      if (busy) button.setAttribute("aria-busy", "true");
      button.addEventListener("click", () => source.click());
      bar.appendChild(button);
    }
  }
  if (!customElements.get("ui-save-bar")) {
    customElements.define("ui-save-bar", class extends HTMLElement {
      constructor() {
        super();
        this._showing = false;
        new MutationObserver(() => { if (this._showing) renderSaveBar(); }).observe(this, { subtree: true, childList: true, attributes: true, characterData: true });
      }
      get showing() { return this._showing; }
      async show() {
        if (shownBar && shownBar !== this) await shownBar.hide();
        this._showing = true;
        shownBar = this;
        renderSaveBar();
        this.dispatchEvent(new CustomEvent("show"));
      }
      async hide() {
        if (!this._showing) return;
        this._showing = false;
        if (shownBar === this) shownBar = null;
        renderSaveBar();
        this.dispatchEvent(new CustomEvent("hide"));
      }
      async toggle() { return this._showing ? this.hide() : this.show(); }
      disconnectedCallback() { if (this._showing) { this._showing = false; shownBar = null; renderSaveBar(); } }
    });
  }
  const saveBarById = (id) => {
    const el = document.getElementById(id);
    if (!el || el.localName !== "ui-save-bar") throw new Error("App Bridge stand-in: no <ui-save-bar id=" + id + ">");
    return el;
  };

  // shopify:admin/products/123 opens that admin page; here, the local store's admin page.
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[href^='shopify:admin']") : null;
    if (!link) return;
    event.preventDefault();
    const adminPath = link.getAttribute("href").replace(/^shopify:admin/, "");
    const target = new URL(src.origin + "/admin");
    if (shop) target.searchParams.set("shop", shop);
    target.searchParams.set("path", adminPath);
    (link.target === "_blank" ? window.open(target.toString(), "_blank") : (window.top || window).location.assign(target.toString()));
  }, true);

  function toastHost() {
    let host = document.getElementById("app-bridge-standin-toasts");
    if (!host) {
      host = document.createElement("div");
      host.id = "app-bridge-standin-toasts";
      host.setAttribute("role", "status");
      host.setAttribute("aria-live", "polite");
      document.body.appendChild(host);
    }
    return host;
  }

  let toastId = 0;
  window.shopify = {
    __standin: true,
    config: { apiKey, shop, host: params.get("host") },
    environment: { embedded: true, mobile: false, pos: false },
    origin: src.origin,
    idToken,
    loading(on) { document.documentElement.toggleAttribute("data-app-bridge-loading", on !== false); },
    toast: {
      show(message, options) {
        const el = document.createElement("div");
        el.textContent = String(message);
        if (options && options.isError) el.setAttribute("data-error", "");
        toastHost().appendChild(el);
        const id = "toast-" + ++toastId;
        setTimeout(() => el.remove(), (options && options.duration) || 5000);
        return id;
      },
      hide() {},
    },
    saveBar: {
      show: (id) => saveBarById(id).show(),
      hide: (id) => saveBarById(id).hide(),
      toggle: (id) => saveBarById(id).toggle(),
      leaveConfirmation: async () => {},
    },
  };
})();
`;

/** Serves the stand-in script and its session tokens; false when the path is not the stand-in's. */
export async function serveAppBridgeStandin(
  store: LocalStore,
  app: AppCredentials,
  res: http.ServerResponse,
  url: URL,
): Promise<boolean> {
  if (url.pathname === APP_BRIDGE_STANDIN_PATH) {
    res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" }).end(SCRIPT);
    return true;
  }
  if (url.pathname === TOKEN_PATH) {
    const shop = url.searchParams.get("shop") ?? "";
    const headers = {
      "Content-Type": "application/json; charset=utf-8",
      "Access-Control-Allow-Origin": "*",
      "Cache-Control": "no-store",
    };
    if (!store.shop(shop)?.installed) {
      res.writeHead(404, headers).end(JSON.stringify({ error: `No installed shop ${shop} in the local store.` }));
      return true;
    }
    const token = await mintSessionToken(app, shop);
    const exp = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8")).exp as number;
    res.writeHead(200, headers).end(JSON.stringify({ token, exp }));
    return true;
  }
  return false;
}
