import type { LoaderFunctionArgs } from "@remix-run/node";
import { checkPhotos } from "../services/studio.server";
import { shopContext } from "../services/shop-context.server";

// GET ?mediaId=…&mediaId=…: the dataset check of the photos picked now (the studio loads it).
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const ctx = await shopContext(request);
  const mediaIds = new URL(request.url).searchParams.getAll("mediaId");
  try {
    return { check: await checkPhotos(ctx, params.id ?? "", mediaIds), error: null };
  } catch (error) {
    if (error instanceof Response) throw error;
    console.error("photo check failed", error);
    return { check: null, error: "The photos could not be checked." };
  }
};
