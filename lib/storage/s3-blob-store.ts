import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import {
  BlobNotFoundError,
  DEFAULT_SIGNED_URL_SECONDS,
  type BlobStore,
  type PutOptions,
  type StoredBlob,
} from "./blob-store";
import { storableBlobKey, type BlobKey } from "./keys";
import { toS3StoreError, type S3Location } from "./s3-errors";

export interface S3BlobStoreOptions {
  bucket: string;
  /** Prepended to every key inside the bucket: "" (default) or a path ending in "/". */
  prefix?: string;
  region?: string;
  /** An S3-compatible endpoint (MinIO, R2, moto…); unset means AWS S3. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Unset: the AWS SDK's default chain (AWS_ACCESS_KEY_ID…, AWS_PROFILE, an instance role). */
  credentials?: S3ClientConfig["credentials"];
  defaultExpiresInSeconds?: number;
}

/** S3 answers at most 1,000 keys per list page and deletes at most 1,000 keys per request. */
const BATCH = 1000;
/** The longest a SigV4 presigned URL may last. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** Blobs as objects in an S3-compatible bucket; signed URLs are presigned GETs on the bucket. */
export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly prefix: string;
  private readonly location: S3Location;

  constructor(private readonly options: S3BlobStoreOptions) {
    const prefix = options.prefix ?? "";
    if (prefix !== "" && (!prefix.endsWith("/") || prefix.startsWith("/"))) {
      throw new Error(`S3 key prefix must be empty or a relative path ending in "/", got "${prefix}"`);
    }
    this.prefix = prefix;
    this.location = { bucket: options.bucket, region: options.region ?? "us-east-1", endpoint: options.endpoint };
    this.client = new S3Client({
      region: this.location.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: options.credentials,
      // The SDK's default CRC32 checksums are rejected by several S3-compatible servers (R2,
      // older MinIO); AWS itself needs them only where an operation requires one.
      ...(options.endpoint
        ? { requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" }
        : {}),
    });
  }

  private objectKey(key: BlobKey): string {
    return this.prefix + storableBlobKey(key);
  }

  private async send<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toS3StoreError(error, this.location, operation);
    }
  }

  /** Checks at startup that the bucket answers to these credentials (a list of one key; HEAD answers carry no reason). */
  async check(): Promise<void> {
    await this.send("checking the bucket", () =>
      this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.prefix, MaxKeys: 1 })),
    );
  }

  async put(key: BlobKey, data: Buffer, options: PutOptions = {}): Promise<void> {
    const Key = this.objectKey(key);
    await this.send(`writing "${key}"`, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key,
          Body: data,
          ContentType: options.contentType ?? "application/octet-stream",
        }),
      ),
    );
  }

  async get(key: BlobKey): Promise<StoredBlob> {
    const Key = this.objectKey(key);
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key }));
      const data = Buffer.from((await response.Body?.transformToByteArray()) ?? new Uint8Array());
      return { data, contentType: response.ContentType ?? "application/octet-stream" };
    } catch (error) {
      if ((error as Error).name === "NoSuchKey") throw new BlobNotFoundError(key);
      throw toS3StoreError(error, this.location, `reading "${key}"`);
    }
  }

  async exists(key: BlobKey): Promise<boolean> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key }));
      return true;
    } catch (error) {
      // A HEAD answer has no body: a missing bucket is a 404 too, which the next write reports.
      if ((error as Error).name === "NotFound" || (error as Error).name === "NoSuchKey") return false;
      throw toS3StoreError(error, this.location, `checking "${key}"`);
    }
  }

  async signedUrl(key: BlobKey, options: { expiresInSeconds?: number } = {}): Promise<string> {
    const ttl = options.expiresInSeconds ?? this.options.defaultExpiresInSeconds ?? DEFAULT_SIGNED_URL_SECONDS;
    const window = presignWindow(Date.now(), ttl);
    const command = new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) });
    return this.send(`signing a URL for "${key}"`, () => getSignedUrl(this.client, command, window));
  }

  async delete(key: BlobKey): Promise<void> {
    const Key = this.objectKey(key);
    await this.send(`deleting "${key}"`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key })),
    );
  }

  async deleteByPrefix(prefix: string): Promise<number> {
    if (!prefix.startsWith("shops/")) throw new Error(`refusing to delete outside shops/: "${prefix}"`);
    let deleted = 0;
    for await (const page of this.pages(prefix)) {
      if (page.length === 0) continue;
      const response = await this.send(`deleting under "${prefix}"`, () =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.options.bucket,
            Delete: { Objects: page.map((Key) => ({ Key })), Quiet: true },
          }),
        ),
      );
      const failed = response.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0]!;
        throw toS3StoreError(
          Object.assign(new Error(first.Message ?? "delete failed"), { name: first.Code ?? "DeleteFailed" }),
          this.location,
          `deleting ${failed.length} of ${page.length} objects under "${prefix}" (first: "${first.Key}")`,
        );
      }
      deleted += page.length;
    }
    return deleted;
  }

  async list(prefix: string): Promise<BlobKey[]> {
    const keys: BlobKey[] = [];
    for await (const page of this.pages(prefix)) {
      for (const objectKey of page) keys.push(objectKey.slice(this.prefix.length) as BlobKey);
    }
    return keys.sort();
  }

  /** Object keys under a blob-key prefix, one list page (up to 1,000) at a time. */
  private async *pages(prefix: string): AsyncGenerator<string[]> {
    let ContinuationToken: string | undefined;
    do {
      const response = await this.send(`listing "${prefix}"`, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: this.prefix + prefix,
            MaxKeys: BATCH,
            ContinuationToken,
          }),
        ),
      );
      yield (response.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
      ContinuationToken = response.IsTruncated ? response.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  /** Releases the client's sockets (tests and short-lived scripts). */
  close(): void {
    this.client.destroy();
  }
}

/**
 * A presigned URL embeds its signing time, so signing "now" gives a new URL on every call and the
 * browser reloads every image on each revalidation. Signing at the start of the current hour,
 * with the expiry stretched to match, keeps the URL for one absolute expiry the same all hour
 * (as the local store's are); it still stops working at the requested time.
 */
export function presignWindow(nowMs: number, ttlSeconds: number): { signingDate: Date; expiresIn: number } {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_PRESIGN_SECONDS) {
    throw new RangeError(`a presigned URL lasts 1 to ${MAX_PRESIGN_SECONDS} seconds, not ${ttlSeconds}`);
  }
  const now = Math.floor(nowMs / 1000);
  const hourStart = now - (now % 3600);
  const stretched = now + ttlSeconds - hourStart;
  if (stretched > MAX_PRESIGN_SECONDS) return { signingDate: new Date(now * 1000), expiresIn: ttlSeconds };
  return { signingDate: new Date(hourStart * 1000), expiresIn: stretched };
}
