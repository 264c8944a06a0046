import type { HeadersFunction, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useLoaderData, useRouteError } from "@remix-run/react";
import { NavMenu } from "@shopify/app-bridge-react";
import { AppProvider } from "@shopify/shopify-app-remix/react";
import { boundary } from "@shopify/shopify-app-remix/server";
import polarisStyles from "@shopify/polaris/build/esm/styles.css?url";
import appStyles from "../components/app.css?url";
import { config } from "../../lib/config";
import { localStoreUrl } from "../../lib/shopify-admin";
import { NavigationSkeleton } from "../components/navigation-skeleton";
import { requirePlan } from "../services/billing.server";
import { authenticate } from "../shopify.server";

export const links = () => [
  { rel: "stylesheet", href: polarisStyles },
  { rel: "stylesheet", href: appStyles },
];

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { billing } = await authenticate.admin(request);
  // Every page needs the SceneBooth plan: without it the merchant is sent to approve it.
  await requirePlan(billing);
  // Development and tests only: App Bridge's CDN script cannot load without Shopify, so the local
  // store serves a stand-in. Production (no SHOPIFY_LOCAL_STORE_URL) loads the real one.
  const local = localStoreUrl();
  return { apiKey: config().shopify.apiKey, appBridgeUrl: local ? `${local}/app-bridge-standin.js` : null };
};

export default function App() {
  const { apiKey, appBridgeUrl } = useLoaderData<typeof loader>();
  return (
    <AppProvider isEmbeddedApp apiKey={apiKey} {...(appBridgeUrl ? { __APP_BRIDGE_URL: appBridgeUrl } : {})}>
      <NavMenu>
        <Link to="/app" rel="home">
          Products
        </Link>
        <Link to="/app/insights">Insights</Link>
        <Link to="/app/settings">Settings</Link>
      </NavMenu>
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
