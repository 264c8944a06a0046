/** Why a photo cannot be used; `reason` is shown to the merchant as is. */
export class PhotoRejectedError extends Error {
  override name = "PhotoRejectedError";
  constructor(
    readonly code: "corrupt" | "unsupported_format" | "animated" | "too_small" | "too_large",
    readonly reason: string,
  ) {
    super(reason);
  }
}
