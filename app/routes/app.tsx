import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useFetcher, useLoaderData, useRouteError } from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import { Banner, Box } from "@shopify/polaris";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import appStyles from "../components/app.css?url";
import { config } from "../../lib/config";
import { localStoreUrl } from "../../lib/shopify-admin";
import { NavigationSkeleton } from "../components/navigation-skeleton";
import { usd } from "../../lib/billing";
import { requirePlan } from "../services/billing.server";
import { capNotice, cappedAmountOf, dismissCapNotice } from "../services/cap-notice.server";
import { authenticate } from "../shopify.server";

export const links = () => [
  { rel: "stylesheet", href: polarisStyles },
  { rel: "stylesheet", href: appStyles },
];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { billing, session } = await authenticate.admin(request);
  // Every page needs the SceneBooth plan: without it the merchant is sent to approve it.
  const check = await requirePlan(billing);
  // Development and tests only: App Bridge's CDN script cannot load without Shopify, so the local
  // store serves a stand-in. Production (no SHOPIFY_LOCAL_STORE_URL) loads the real one.
  const local = localStoreUrl();
  const notice = await capNotice(session.shop, cappedAmountOf(check));
  return {
    apiKey: config().shopify.apiKey,
    appBridgeUrl: local ? `${local}/app-bridge-standin.js` : null,
    capNotice: notice && { used: usd(notice.balanceUsd), limit: usd(notice.cappedUsd) },
  };
};

/** Dismisses the spending notice (posted by the banner to /app). */
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const form = await request.formData();
  if (form.get("intent") !== "dismiss-cap-notice") return new Response("Unknown action", { status: 400 });
  await dismissCapNotice(session.shop);
  return { ok: true };
};

/** Shown on every page of the app while Shopify's approaching_capped_amount warning stands. */
function CapNoticeBanner({ notice }: { notice: { used: string; limit: string } }) {
  const fetcher = useFetcher();
  if (fetcher.state !== "idle" || fetcher.data) return null;
  return (
    <Box paddingBlockStart="400" paddingInline="400">
      <Banner
        tone="warning"
        title="SceneBooth is close to its usage limit"
        onDismiss={() => fetcher.submit({ intent: "dismiss-cap-notice" }, { method: "post", action: "/app" })}
      >
        <p>
          {notice.used} of the plan’s {notice.limit} usage limit for this billing period is used. Once it is reached,
          SceneBooth starts no new requests until the next billing period.
        </p>
      </Banner>
    </Box>
  );
}

export default function App() {
  const { apiKey, appBridgeUrl, capNotice: notice } = useLoaderData<typeof loader>();
  return (
    <AppProvider isEmbeddedApp apiKey={apiKey} {...(appBridgeUrl ? { __APP_BRIDGE_URL: appBridgeUrl } : {})}>
      <NavMenu>
        <Link to="/app" rel="home">
          Products
        </Link>
        <Link to="/app/insights">Insights</Link>
        <Link to="/app/settings">Settings</Link>
      </NavMenu>
      {notice && <CapNoticeBanner notice={notice} />}
      <NavigationSkeleton>
        <Outlet />
      </NavigationSkeleton>
    </AppProvider>
  );
}

// Shopify needs Remix to catch some thrown responses so that their headers are included.
export function ErrorBoundary() {
  return boundary.error(useRouteError());
}

export const headers: HeadersFunction = (headersArgs) => boundary.headers(headersArgs);
