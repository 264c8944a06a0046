import { PlanRequiredError, SpendingCapError } from "../../lib/billing";
import { MerchantActionError } from "../../lib/pipeline/errors";

/**
 * How a stage failure is handled. Anything else thrown by a stage is treated as transient and
 * retried with backoff (network, storage, a killed subprocess), then reported as our failure.
 */

/** The merchant has to act; retrying would fail the same way (defined in lib, shared with the Shopify session code). */
export { MerchantActionError };

/** The merchant cancelled the request. */
export class CancelledError extends Error {
  override name = "CancelledError";
  constructor() {
    super("Cancelled by the merchant.");
  }
}

/**
 * Rethrows a billing refusal as the merchant's to fix (approve the plan, raise a cap), so it stops
 * the work with its message instead of being retried. Anything else (Shopify throttling or a 5xx on
 * the charge, a dropped connection) is rethrown as it is: transient, retried with backoff.
 */
export function throwBillingRefusal(error: unknown): never {
  if (error instanceof PlanRequiredError) throw new MerchantActionError("plan_required", error.message);
  if (error instanceof SpendingCapError) throw new MerchantActionError("spending_cap", error.message);
  throw error;
}
