/** The merchant has to act (add photos, fix the class noun, reconnect the app…); retrying would fail the same way. */
export class MerchantActionError extends Error {
  override name = "MerchantActionError";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
