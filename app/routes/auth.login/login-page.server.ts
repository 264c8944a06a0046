import type { LoginError } from "@shopify/shopify-app-remix/server";
import { localStoreUrl } from "../../../lib/shopify-admin/endpoint";
import { loginErrorMessage } from "./error.server";

type Env = Record<string, string | undefined>;
type Login = (request: Request) => Promise<LoginError | never>;

export interface LoginPage {
  /** Whether the page asks for a shop domain: only in development and against the local store. */
  form: boolean;
  errors: { shop?: string };
}

/**
 * App Store review rejects an app that asks merchants for their myshopify domain: in production a
 * merchant installs from the App Store and opens the app from the Shopify admin. The form stays for
 * development and for the local store stand-in, whose shops can only be reached that way.
 */
export function shopDomainFormAllowed(env: Env = process.env): boolean {
  return env.NODE_ENV !== "production" || localStoreUrl(env) !== null;
}

/** GET /auth/login. Without the form, a `?shop=` that Shopify sent still starts the install (login redirects). */
export async function loginPageLoader(request: Request, login: Login, env: Env = process.env): Promise<LoginPage> {
  if (shopDomainFormAllowed(env)) return { form: true, errors: loginErrorMessage(await login(request)) };
  if (new URL(request.url).searchParams.get("shop")) await login(request);
  return { form: false, errors: {} };
}

/** POST /auth/login: the form's submission; refused where there is no form. */
export async function loginPageAction(
  request: Request,
  login: Login,
  env: Env = process.env,
): Promise<Pick<LoginPage, "errors">> {
  if (!shopDomainFormAllowed(env)) throw new Response("Not Found", { status: 404 });
  return { errors: loginErrorMessage(await login(request)) };
}
