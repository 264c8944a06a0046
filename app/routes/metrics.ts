import type { LoaderFunctionArgs } from "@remix-run/node";
import { metricsResponse } from "../services/metrics.server";

export const loader = ({ request }: LoaderFunctionArgs) => metricsResponse(request);
