import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { jsonAnswer, jsonResponse, readJson } from "../services/api.server";
import { bulkContextFor, parseSelection, previewCatalog, previewSelection } from "../services/bulk.server";
import { requestAdminClient } from "../services/shop-context.server";
import { authenticate } from "../shopify.server";

// POST { productIds } or { all: true } from the admin action extensions (session token + CORS):
// photos, state, scene set and estimated cost; starts nothing.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { session, cors } = await authenticate.admin(request);
  return cors(
    await jsonAnswer(async () => {
      const selection = parseSelection(await readJson(request));
      const ctx = bulkContextFor(session, requestAdminClient(request, session));
      return selection.kind === "all" ? previewCatalog(ctx) : previewSelection(ctx, selection.productIds);
    }),
  );
};

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { cors } = await authenticate.admin(request);
  return cors(jsonResponse({ error: "Use POST.", code: "method" }, { status: 405 }));
};
