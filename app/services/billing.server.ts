// Billing through shopify-app-remix's `billing` helper: the plan config for shopifyApp({ billing })
// and the loader guard that sends a merchant without the plan to Shopify's approval page.
// Usage charges and caps are in lib/billing (the worker charges; the app checks caps).
import { BillingInterval } from "@shopify/shopify-app-remix/server";
import type { Session } from "@shopify/shopify-app-remix/server";
import {
  currentUsagePlan,
  PLAN_CAPPED_AMOUNT_USD,
  PLAN_CURRENCY,
  PLAN_NAME,
  PLAN_TERMS,
  testCharges,
  type UsagePlan,
} from "../../lib/billing";
import { AdminClient, type AdminClientOptions } from "../../lib/shopify-admin/client";

/** Pass as `billing` to shopifyApp() in app/shopify.server.ts. */
export const billingConfig = {
  [PLAN_NAME]: {
    lineItems: [
      {
        interval: BillingInterval.Usage as const,
        amount: PLAN_CAPPED_AMOUNT_USD,
        currencyCode: PLAN_CURRENCY,
        terms: PLAN_TERMS,
      },
    ],
  },
};

/** The part of authenticate.admin's `billing` the guard uses. */
export interface PlanBilling {
  require(options: {
    plans: Array<typeof PLAN_NAME>;
    isTest?: boolean;
    onFailure: (error: unknown) => Promise<Response>;
  }): Promise<unknown>;
  request(options: { plan: typeof PLAN_NAME; isTest?: boolean; returnUrl?: string }): Promise<never>;
}

/** How long opening the app waits out a throttled plan check. */
export const PLAN_CHECK_THROTTLED_WAIT_MS = 10_000;

/**
 * For the app's loaders: returns the billing check when the shop has the plan; otherwise redirects
 * to Shopify's approval page (test charges in development), which returns to the app.
 */
export async function requirePlan(
  billing: PlanBilling,
  { throttledWaitMs = PLAN_CHECK_THROTTLED_WAIT_MS } = {},
): Promise<unknown> {
  const isTest = testCharges();
  const deadline = Date.now() + throttledWaitMs;
  for (let pause = 250; ; pause = Math.min(pause * 2, 2_000)) {
    try {
      // The billing check (the active subscriptions and their line items).
      return await billing.require({
        plans: [PLAN_NAME],
        isTest,
        onFailure: () => billing.request({ plan: PLAN_NAME, isTest }),
      });
    } catch (error) {
      // The check is one Admin API query on the shop's rate-limit bucket, which the worker and a
      // bulk action share: a throttled check waits for the bucket to refill instead of failing the page.
      if (!isThrottled(error) || Date.now() + pause > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** The Shopify library's errors for THROTTLED (a GraphqlQueryError) and HTTP 429 (an HttpThrottlingError). */
function isThrottled(error: unknown): boolean {
  const { body, response } = error as {
    body?: { errors?: { graphQLErrors?: Array<{ extensions?: { code?: string } }> } };
    response?: { code?: number };
  };
  return (
    Boolean(body?.errors?.graphQLErrors?.some((e) => e.extensions?.code === "THROTTLED")) || response?.code === 429
  );
}

/** The typed Admin client (lib/shopify-admin) for an authenticated session. */
export function adminClient(
  session: Pick<Session, "shop" | "accessToken">,
  options: Pick<AdminClientOptions, "timeoutMs" | "maxAttempts"> = {},
): AdminClient {
  if (!session.accessToken) throw new Error(`No access token in the session for ${session.shop}.`);
  return new AdminClient({ shop: session.shop, accessToken: session.accessToken, ...options });
}

/** The shop's active SceneBooth plan as Shopify reports it; null before the merchant approves it. */
export function currentPlan(admin: AdminClient): Promise<UsagePlan | null> {
  return currentUsagePlan(admin);
}
