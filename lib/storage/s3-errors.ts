/**
 * Turns the AWS SDK's errors into messages a person can act on: which bucket, which endpoint, and
 * what to check. The SDK's own messages ("UnknownError", "The specified bucket does not exist")
 * name neither.
 */
export class S3StoreError extends Error {
  override name = "S3StoreError";
  constructor(
    message: string,
    /** The S3 error code (NoSuchBucket, AccessDenied…) or the network error code. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface S3Location {
  bucket: string;
  region: string;
  endpoint?: string;
}

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "TimeoutError",
]);
const ACCESS_CODES = new Set([
  "AccessDenied",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "Forbidden",
]);

export function describeLocation({ bucket, region, endpoint }: S3Location): string {
  return `bucket "${bucket}" at ${endpoint ?? `AWS S3 (${region})`}`;
}

/** The network error code somewhere in an error's cause chain (the SDK nests them). */
function networkCode(error: unknown): string | undefined {
  for (let e = error as SdkError | undefined, depth = 0; e && depth < 5; e = e.cause as SdkError | undefined, depth++) {
    for (const code of [e.code, e.name]) if (code && NETWORK_CODES.has(code)) return code;
  }
  return undefined;
}

/** `operation` names what was being done, e.g. `reading "shops/x/a.png"`. */
export function toS3StoreError(error: unknown, location: S3Location, operation: string): S3StoreError {
  const e = (error ?? {}) as SdkError;
  const where = describeLocation(location);
  const status = e.$metadata?.httpStatusCode;
  const code =
    e.name && e.name !== "Error" && e.name !== "UnknownError" ? e.name : status ? `HTTP ${status}` : "unknown";
  const make = (message: string, errorCode = code) => new S3StoreError(message, errorCode, { cause: error });

  if (code === "NoSuchBucket")
    return make(`S3 ${where} does not exist (while ${operation}): create it, or fix S3_BUCKET/S3_ENDPOINT/S3_REGION.`);
  if (e.name === "CredentialsProviderError") {
    return make(
      `No S3 credentials for ${where}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or another source the AWS SDK reads, such as AWS_PROFILE or an instance role).`,
    );
  }
  if (ACCESS_CODES.has(code) || status === 403) {
    return make(
      `S3 ${where} refused ${operation} (${code}): check the credentials and that they may read, write, list and delete in the bucket.`,
    );
  }
  if (code === "PermanentRedirect" || code === "AuthorizationHeaderMalformed" || status === 301) {
    return make(
      `S3 ${where} is in another region than "${location.region}" (${code}): set S3_REGION to the bucket's region.`,
    );
  }
  const network = networkCode(error);
  if (network)
    return make(
      `Cannot reach S3 ${where} (${network}) while ${operation}: check S3_ENDPOINT and the network.`,
      network,
    );
  return make(`S3 ${where}: ${operation} failed (${code}${e.message && e.message !== code ? `: ${e.message}` : ""}).`);
}
