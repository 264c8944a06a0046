import { jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_SHOP } from "./seed";
import { startTestStore, TEST_API_KEY, TEST_API_SECRET, type TestStore } from "./test-store";

describe("App Bridge stand-in", () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await startTestStore({ statePath: null });
  });
  afterAll(() => store?.stop());

  it("serves the stand-in script, named as such", async () => {
    const response = await fetch(`${store.url}/app-bridge-standin.js`);
    expect(response.headers.get("content-type")).toMatch(/^text\/javascript/);
    const script = await response.text();
    expect(script).toContain("Authorization");
    expect(script).toContain("App Bridge stand-in");
  });

  it("gives an installed shop a session token signed with the app secret, to the app's page (CORS)", async () => {
    const response = await fetch(`${store.url}/app-bridge-standin/id-token?shop=${DEMO_SHOP}`);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    const { token, exp } = (await response.json()) as { token: string; exp: number };
    const { payload } = await jwtVerify(token, new TextEncoder().encode(TEST_API_SECRET), { audience: TEST_API_KEY });
    expect(payload.dest).toBe(`https://${DEMO_SHOP}`);
    expect(payload.exp).toBe(exp);
  });

  it("refuses a shop it does not have", async () => {
    expect((await fetch(`${store.url}/app-bridge-standin/id-token?shop=nobody.myshopify.com`)).status).toBe(404);
  });
});
