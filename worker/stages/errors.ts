import { PlanRequiredError, SpendingCapError } from "../../lib/billing";
import { MerchantActionError } from "../../lib/pipeline/errors";
import { TunerProcessError } from "../tuner-process";

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

/** errno codes of a full disk (ENOSPC) or a full quota (EDQUOT), and how the tuner (Python) reports them. */
const DISK_FULL_CODES = new Set(["ENOSPC", "EDQUOT"]);
const PYTHON_DISK_FULL = /\[Errno (28|122)\]|No space left on device|Disk quota exceeded/;

/**
 * The disk (or quota) of the worker's work folder or local storage is full. Transient: retried with
 * backoff (a finished request's folder is removed meanwhile); after the last try the merchant is told
 * plainly, never that their photos are bad.
 */
export class DiskFullError extends Error {
  override name = "DiskFullError";
  readonly retryable = true;
  constructor(cause: Error) {
    super(`disk full on the worker: ${cause.message}`, { cause });
  }
}

/** `error` as a DiskFullError when it is one (from Node's fs or the tuner subprocess), else null. */
export function asDiskFull(error: unknown): DiskFullError | null {
  if (error instanceof DiskFullError) return error;
  if (!(error instanceof Error)) return null;
  const code = (error as NodeJS.ErrnoException).code;
  if (
    (code && DISK_FULL_CODES.has(code)) ||
    (error instanceof TunerProcessError && PYTHON_DISK_FULL.test(error.message))
  )
    return new DiskFullError(error);
  return null;
}
