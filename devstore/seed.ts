import fs from "node:fs";
import path from "node:path";
import sharp from "sharp";
import { projectRoot } from "../lib/config";
import { newId, nowIso, type FileRecord, type ProductRecord, type ShopRecord, type StoreState } from "./state";
import type { BlobStore } from "./blobs";

export const DEMO_SHOP = "scenebooth-demo.myshopify.com";
export const OTHER_SHOP = "scenebooth-other.myshopify.com";

/** The shared data folder beside the repo (overridable by SCENEBOOTH_SHARED_DIR). */
export function sharedDir(env: Record<string, string | undefined> = process.env): string {
  return path.resolve(env.SCENEBOOTH_SHARED_DIR?.trim() || path.resolve(projectRoot, "..", "shared"));
}

/** `subject_name,class` rows from DreamBench's prompts_and_classes.txt (the "Classes" section). */
export function parseSubjectClasses(text: string): Map<string, string> {
  const classes = new Map<string, string>();
  let inClasses = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "Classes") {
      inClasses = true;
      continue;
    }
    if (!inClasses || line === "subject_name,class") continue;
    if (line === "" && classes.size > 0) break;
    const m = /^([a-z0-9_]+),(.+)$/.exec(line);
    if (m) classes.set(m[1]!, m[2]!.trim());
  }
  return classes;
}

function titleOf(subject: string): string {
  return subject
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");
}

interface Photo {
  rel: string;
  abs: string;
}

function photosOf(dreambench: string, subject: string): Photo[] {
  return fs
    .readdirSync(path.join(dreambench, subject))
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort()
    .map((f) => ({ rel: path.posix.join("dreambench", subject, f), abs: path.join(dreambench, subject, f) }));
}

async function fileFromPhoto(state: StoreState, photo: Photo, productId: number): Promise<FileRecord> {
  const meta = await sharp(photo.abs).metadata();
  const at = nowIso();
  return {
    id: newId(state),
    typename: "MediaImage",
    filename: path.basename(photo.abs),
    alt: null,
    status: "READY",
    errors: [],
    mimeType: meta.format === "png" ? "image/png" : "image/jpeg",
    originalSource: photo.rel,
    blob: { kind: "shared", path: photo.rel },
    fileSize: fs.statSync(photo.abs).size,
    width: meta.width ?? null,
    height: meta.height ?? null,
    productIds: [productId],
    createdAt: at,
    updatedAt: at,
  };
}

function product(
  state: StoreState,
  fields: Pick<ProductRecord, "title" | "handle" | "productType"> & Partial<ProductRecord>,
): ProductRecord {
  const at = nowIso();
  return {
    id: newId(state),
    vendor: "SceneBooth Demo",
    status: "ACTIVE",
    descriptionHtml: "",
    tags: [],
    mediaIds: [],
    createdAt: at,
    updatedAt: at,
    ...fields,
  };
}

async function addPhotos(state: StoreState, shop: ShopRecord, p: ProductRecord, photos: Photo[]): Promise<void> {
  for (const photo of photos) {
    const file = await fileFromPhoto(state, photo, p.id);
    shop.files.push(file);
    p.mediaIds.push(file.id);
  }
}

function newShop(state: StoreState, domain: string, name: string): ShopRecord {
  const shop: ShopRecord = {
    domain,
    id: newId(state),
    name,
    email: `owner@${domain}`,
    installed: true,
    createdAt: nowIso(),
    products: [],
    files: [],
    stagedUploads: [],
    bulkOperations: [],
  };
  state.shops.push(shop);
  return shop;
}

/**
 * The demo shop: one product per DreamBench subject (photos as media, class as product type), plus
 * fixtures with zero, one and twelve photos and one whose file is corrupt; and a second shop with a
 * few products for isolation tests. Photos stay in the shared folder; only the corrupt file is written.
 */
export async function seedState(state: StoreState, blobs: BlobStore, shared = sharedDir()): Promise<void> {
  const dreambench = path.join(shared, "dreambench");
  const classesFile = path.join(dreambench, "prompts_and_classes.txt");
  if (!fs.existsSync(classesFile)) {
    throw new Error(`DreamBench data not found at ${dreambench}; set SCENEBOOTH_SHARED_DIR to the shared data folder.`);
  }
  const classes = parseSubjectClasses(fs.readFileSync(classesFile, "utf8"));
  const subjects = fs
    .readdirSync(dreambench, { withFileTypes: true })
    .filter((d) => d.isDirectory() && classes.has(d.name))
    .map((d) => d.name)
    .sort();

  const demo = newShop(state, DEMO_SHOP, "SceneBooth Demo");
  for (const subject of subjects) {
    const p = product(state, {
      title: titleOf(subject),
      handle: subject.replace(/_/g, "-"),
      productType: classes.get(subject)!,
      tags: ["dreambench"],
    });
    demo.products.push(p);
    await addPhotos(state, demo, p, photosOf(dreambench, subject));
  }

  const all = subjects.flatMap((s) => photosOf(dreambench, s));
  const zero = product(state, {
    title: "Fixture: no photos",
    handle: "fixture-zero-photos",
    productType: "fixture",
    tags: ["fixture"],
  });
  const one = product(state, {
    title: "Fixture: one photo",
    handle: "fixture-one-photo",
    productType: "fixture",
    tags: ["fixture"],
  });
  const twelve = product(state, {
    title: "Fixture: twelve photos",
    handle: "fixture-twelve-photos",
    productType: "fixture",
    tags: ["fixture"],
  });
  const corrupt = product(state, {
    title: "Fixture: corrupt photo",
    handle: "fixture-corrupt-photo",
    productType: "fixture",
    tags: ["fixture"],
  });
  demo.products.push(zero, one, twelve, corrupt);
  await addPhotos(state, demo, one, all.slice(0, 1));
  await addPhotos(state, demo, twelve, all.slice(0, 12));
  const good = all.slice(12, 16);
  await addPhotos(state, demo, corrupt, good);
  // A JPEG cut short: right magic bytes, undecodable body. Listed READY, as a CDN glitch would leave it.
  const source = fs.readFileSync(good[0]!.abs);
  const key = "seed/corrupt-photo.jpg";
  await blobs.put(key, source.subarray(0, Math.min(2048, source.length >> 3)));
  const broken = await fileFromPhoto(state, good[0]!, corrupt.id);
  Object.assign(broken, {
    filename: "corrupt-photo.jpg",
    blob: { kind: "local", key },
    originalSource: key,
    fileSize: (await blobs.stat(key)).size,
  });
  demo.files.push(broken);
  corrupt.mediaIds.push(broken.id);

  const other = newShop(state, OTHER_SHOP, "SceneBooth Other");
  for (const subject of subjects.filter((s) => s === "teapot" || s === "vase")) {
    const p = product(state, {
      title: `${titleOf(subject)} (other shop)`,
      handle: subject,
      productType: classes.get(subject)!,
    });
    other.products.push(p);
    await addPhotos(state, other, p, photosOf(dreambench, subject));
  }
}
