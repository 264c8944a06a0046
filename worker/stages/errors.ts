/**
 * How a stage failure is handled. Anything else thrown by a stage is treated as transient and
 * retried with backoff (network, storage, a killed subprocess), then reported as our failure.
 */

/** The merchant has to act (add photos, fix the class noun…); retrying would fail the same way. */
export class MerchantActionError extends Error {
  override name = "MerchantActionError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The merchant cancelled the request. */
export class CancelledError extends Error {
  override name = "CancelledError";
  constructor() {
    super("Cancelled by the merchant.");
  }
}
