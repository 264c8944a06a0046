import type { LoaderFunctionArgs } from "@remix-run/node";
import { serveSignedBlob } from "../services/blobs.server";

export const loader = async ({ params, request }: LoaderFunctionArgs) => {
  const response = await serveSignedBlob(params["*"] ?? "", new URL(request.url).searchParams);
  // A blob is served with its stored type only: a browser must not guess another (e.g. HTML).
  response.headers.set("X-Content-Type-Options", "nosniff");
  return response;
};
