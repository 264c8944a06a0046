/** Why an image was refused; the message is written for the merchant-facing log, the code for code. */
export type ImageInputErrorCode = "unreadable" | "unsupported" | "corrupt" | "too_small" | "too_large";

/** A bad input image: raised instead of a crash, so a stage can mark one candidate or photo as failed. */
export class ImageInputError extends Error {
  override name = "ImageInputError";
  constructor(
    readonly code: ImageInputErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Model files missing, altered (checksum) or not of the expected format: fix with `npm run setup`. */
export class ModelFilesError extends Error {
  override name = "ModelFilesError";
}

/** An execution provider that this onnxruntime build or machine cannot give (e.g. cuda on a CPU host). */
export class ExecutionProviderError extends Error {
  override name = "ExecutionProviderError";
}
