// No shop-domain form outside development (App Store review rejects asking for a myshopify domain):
// the built app in production without the local store shows none on /auth/login or the landing page,
// refuses the form's POST, and still starts the install when Shopify sends ?shop=. Against the
// local store (the demo and the tests) the form stays.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROWSER_USER_AGENT, startTestStack, type TestStack } from "../harness/stack";

const get = (stack: TestStack, path: string, init: RequestInit = {}) =>
  fetch(new URL(path, stack.appUrl), {
    redirect: "manual",
    ...init,
    headers: { "User-Agent": BROWSER_USER_AGENT, ...init.headers },
  });

describe("in production", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { SHOPIFY_LOCAL_STORE_URL: "" } });
  });
  afterAll(() => stack?.close());

  it("/auth/login explains how to open the app instead of asking for a shop domain", async () => {
    const page = await get(stack, "/auth/login");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Open SceneBooth from your Shopify admin");
    expect(html).not.toContain('name="shop"');
    const posted = await get(stack, "/auth/login", {
      method: "POST",
      body: new URLSearchParams({ shop: "demo.myshopify.com" }),
    });
    expect(posted.status).toBe(404);
  });

  it("the landing page shows no shop-domain form either", async () => {
    const html = await (await get(stack, "/")).text();
    expect(html).toContain("SceneBooth");
    expect(html).not.toContain('name="shop"');
  });

  it("a ?shop= from Shopify still starts the install", async () => {
    const response = await get(stack, "/auth/login?shop=demo.myshopify.com");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toMatch(/demo/);
  });
});

describe("against the local store", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(() => stack?.close());

  it("/auth/login keeps the shop-domain form", async () => {
    const html = await (await get(stack, "/auth/login")).text();
    expect(html).toContain('name="shop"');
    expect(html).toContain("Log in to SceneBooth");
  });
});
