import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export type MediaStatus = "UPLOADED" | "PROCESSING" | "READY" | "FAILED";
export type ProductStatus = "ACTIVE" | "DRAFT" | "ARCHIVED";

/** Where a file's bytes live: a photo in the shared data folder (never copied), or the store's own files dir. */
export type BlobRef = { kind: "shared"; path: string } | { kind: "local"; key: string };

export interface MediaErrorRecord {
  code: string;
  message: string;
  details?: string;
}

export interface FileRecord {
  id: number;
  /**
   * MediaImage for images; Video, ExternalVideo and Model3d for a product's other media (as Shopify
   * models them); GenericFile for files created with another content type.
   */
  typename: "MediaImage" | "GenericFile" | "Video" | "ExternalVideo" | "Model3d";
  filename: string;
  alt: string | null;
  status: MediaStatus;
  errors: MediaErrorRecord[];
  mimeType: string | null;
  /** What the merchant or app gave as originalSource (a staged resourceUrl or an external URL). */
  originalSource: string;
  blob: BlobRef | null;
  fileSize: number | null;
  width: number | null;
  height: number | null;
  productIds: number[];
  createdAt: string;
  updatedAt: string;
}

export interface ProductRecord {
  id: number;
  title: string;
  handle: string;
  productType: string;
  vendor: string;
  status: ProductStatus;
  descriptionHtml: string;
  tags: string[];
  mediaIds: number[];
  createdAt: string;
  updatedAt: string;
}

export interface StagedUploadRecord {
  id: number;
  key: string;
  filename: string;
  mimeType: string;
  resource: string;
  httpMethod: "POST" | "PUT";
  declaredSize: number | null;
  maxBytes: number;
  expiresAt: string;
  uploaded: { bytes: number; contentType: string } | null;
}

export interface BulkOperationRecord {
  id: number;
  type: "QUERY" | "MUTATION";
  status: "CREATED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELED" | "CANCELING" | "EXPIRED";
  query: string;
  errorCode: string | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
  resultKey: string | null;
  createdAt: string;
  completedAt: string | null;
}

export interface ShopRecord {
  domain: string;
  id: number;
  name: string;
  email: string;
  installed: boolean;
  createdAt: string;
  products: ProductRecord[];
  files: FileRecord[];
  stagedUploads: StagedUploadRecord[];
  bulkOperations: BulkOperationRecord[];
  /** productReorderMedia jobs (absent in state files written before they existed). */
  jobs?: MediaJobRecord[];
  /** The shop's languages; absent: English only. */
  locales?: ShopLocaleRecord[];
  translations?: TranslationRecord[];
}

/** A reorder of a product's media (productReorderMedia's Job): applied when due. */
export interface MediaJobRecord {
  id: number;
  productId: number;
  moves: Array<{ id: number; position: number }>;
  dueAt: string;
  done: boolean;
}

export interface ShopLocaleRecord {
  locale: string;
  name: string;
  primary: boolean;
  published: boolean;
}

export interface TranslationRecord {
  /** The translated resource's GID (a Product, a MediaImage). */
  resourceId: string;
  key: string;
  locale: string;
  value: string;
  /** Digest of the content this translates; another digest now means the translation is outdated. */
  digest: string;
  updatedAt: string;
}

export interface TokenRecord {
  token: string;
  shop: string;
  scope: string;
  online: boolean;
  userId: number | null;
  expiresAt: string | null;
}

export interface RefreshTokenRecord {
  token: string;
  shop: string;
  expiresAt: string;
}

export interface StoreState {
  version: 1;
  nextId: number;
  /** Signs staged upload targets, so an upload to a forged or altered target is refused. */
  uploadSecret: string;
  shops: ShopRecord[];
  tokens: TokenRecord[];
  refreshTokens: RefreshTokenRecord[];
}

export function emptyState(): StoreState {
  return {
    version: 1,
    nextId: 7_100_000_000_001,
    uploadSecret: crypto.randomBytes(32).toString("hex"),
    shops: [],
    tokens: [],
    refreshTokens: [],
  };
}

export function newId(state: StoreState): number {
  return state.nextId++;
}

export function findShop(state: StoreState, domain: string): ShopRecord | undefined {
  return state.shops.find((s) => s.domain === domain);
}

export function nowIso(): string {
  return new Date().toISOString();
}

/**
 * The store's state in one JSON file, written atomically (temp file + rename) a moment after each
 * change so a burst of mutations costs one write, and on close.
 */
export class StateFile {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly file: string,
    readonly state: StoreState,
    private readonly delayMs = 50,
  ) {}

  /** Loads the file, or returns null when it does not exist yet. A corrupt file is an error, not a silent reseed. */
  static read(file: string): StoreState | null {
    if (!fs.existsSync(file)) return null;
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<StoreState>;
    if (parsed.version !== 1 || !Array.isArray(parsed.shops)) {
      throw new Error(`${file} is not a local store state file (version 1); delete it to reseed.`);
    }
    return parsed as StoreState;
  }

  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, this.delayMs);
    this.timer.unref();
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.state));
    fs.renameSync(tmp, this.file);
  }
}
