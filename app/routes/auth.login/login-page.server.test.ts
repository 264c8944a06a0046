import { LoginErrorType } from "@shopify/shopify-app-remix/server";
import { describe, expect, it } from "vitest";
import { loginPageAction, loginPageLoader, shopDomainFormAllowed } from "./login-page.server";

const PRODUCTION = { NODE_ENV: "production" };
const LOCAL_STORE = { NODE_ENV: "production", SHOPIFY_LOCAL_STORE_URL: "http://127.0.0.1:8090" };

/** Records the requests the library's login() would have handled; answers as it does for a missing shop. */
function fakeLogin() {
  const calls: string[] = [];
  return { calls, login: async (request: Request) => (calls.push(request.url), { shop: LoginErrorType.MissingShop }) };
}

describe("the /auth/login page", () => {
  it("asks for a shop domain only in development and against the local store", () => {
    expect(shopDomainFormAllowed({ NODE_ENV: "development" })).toBe(true);
    expect(shopDomainFormAllowed({})).toBe(true);
    expect(shopDomainFormAllowed(LOCAL_STORE)).toBe(true);
    expect(shopDomainFormAllowed(PRODUCTION)).toBe(false);
  });

  it("in production shows no form and does not call login without a shop from Shopify", async () => {
    const { calls, login } = fakeLogin();
    expect(await loginPageLoader(new Request("https://app.example/auth/login"), login, PRODUCTION)).toEqual({
      form: false,
      errors: {},
    });
    expect(calls).toEqual([]);
  });

  it("in production still starts the install when Shopify sends ?shop= (login redirects)", async () => {
    const redirect = new Response(null, {
      status: 302,
      headers: { Location: "https://admin.shopify.com/store/demo/oauth/install?client_id=x" },
    });
    const login = async () => {
      throw redirect;
    };
    await expect(
      loginPageLoader(new Request("https://app.example/auth/login?shop=demo.myshopify.com"), login, PRODUCTION),
    ).rejects.toBe(redirect);
  });

  it("in production refuses the form's POST with 404", async () => {
    const { calls, login } = fakeLogin();
    const refused = await loginPageAction(
      new Request("https://app.example/auth/login", {
        method: "POST",
        body: new URLSearchParams({ shop: "demo.myshopify.com" }),
      }),
      login,
      PRODUCTION,
    ).catch((e: unknown) => e);
    expect((refused as Response).status).toBe(404);
    expect(calls).toEqual([]);
  });

  it("with the local store keeps the form and the library's error messages", async () => {
    const { calls, login } = fakeLogin();
    expect(await loginPageLoader(new Request("http://127.0.0.1:3000/auth/login"), login, LOCAL_STORE)).toEqual({
      form: true,
      errors: { shop: "Please enter your shop domain to log in" },
    });
    expect(calls).toHaveLength(1);
  });
});
