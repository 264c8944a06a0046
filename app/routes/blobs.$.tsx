import type { LoaderFunctionArgs } from "@remix-run/node";
import { serveSignedBlob } from "../services/blobs.server";

export const loader = async ({ params, request }: LoaderFunctionArgs) =>
  serveSignedBlob(params["*"] ?? "", new URL(request.url).searchParams);
