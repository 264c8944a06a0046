import type { LoaderFunctionArgs } from "@remix-run/node";
import { studioProgress } from "../services/studio.server";
import { shopContext } from "../services/shop-context.server";

// GET: what the studio polls while a request or a publish runs.
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const ctx = await shopContext(request);
  return { ...(await studioProgress(ctx, params.id ?? "")), now: new Date().toISOString() };
};
