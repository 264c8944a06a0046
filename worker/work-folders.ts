// A GPU host's work folders, SCENEBOOTH_WORK_DIR/<shop>/<subject>/…: local copies of a subject's
// photos, captions, checkpoints, weights and generated images. Everything a later job needs is in
// blob storage, so a folder may go whenever no job on this host is using it. Other entries of the
// root (the class-image cache) are not shop data and are never touched here.
import { randomUUID } from "node:crypto";
import { mkdir, readdir, rename, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import { isShopDomain } from "../lib/shop-domain";

/** Where a removal moves a folder before deleting it: a folder is gone at once or not at all. */
const REMOVING = ".removing";

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT";

/** `inner` is `outer` or inside it. */
const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer + path.sep);

export type Removal = "removed" | "in-use" | "absent";

export class WorkFolders {
  /** Subject folders held by running jobs on this host, with how many jobs hold each. */
  private readonly users = new Map<string, number>();
  private readonly removals = new Map<string, Promise<unknown>>();
  /** Folders of a purged shop that a job still held: removed as soon as it lets go. */
  private readonly doomed = new Set<string>();

  constructor(readonly root: string) {}

  shopDir(shop: string): string {
    // The name comes from job payloads and pub/sub messages: never a path outside the root.
    if (!isShopDomain(shop)) throw new Error(`not a shop domain: ${JSON.stringify(shop)}`);
    return path.join(this.root, shop);
  }

  subjectDir(shop: string, subjectId: string): string {
    if (!/^[\w-]+$/.test(subjectId)) throw new Error(`not a subject id: ${JSON.stringify(subjectId)}`);
    return path.join(this.shopDir(shop), subjectId);
  }

  /** Whether a job on this host holds `dir` or a folder inside it. */
  inUse(dir: string): boolean {
    for (const held of this.users.keys()) if (within(held, dir)) return true;
    return false;
  }

  /**
   * Marks a subject's folder as used by a running job until the returned release is called: it is
   * not removed meanwhile. Waits for a removal of the folder (or its shop's) already under way.
   */
  async use(shop: string, subjectId: string): Promise<() => void> {
    const dir = this.subjectDir(shop, subjectId);
    for (;;) {
      const pending = [...this.removals].filter(([removing]) => within(dir, removing)).map(([, p]) => p);
      if (pending.length === 0) break;
      await Promise.allSettled(pending);
    }
    this.users.set(dir, (this.users.get(dir) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.users.get(dir) ?? 1) - 1;
      if (count > 0) return void this.users.set(dir, count);
      this.users.delete(dir);
      if (this.doomed.delete(dir))
        void this.remove(dir)
          .then(() => rmdir(path.dirname(dir)))
          .catch(() => undefined);
    };
  }

  /** Removes a folder under the root unless a job here uses it (or something inside it). */
  async remove(dir: string): Promise<Removal> {
    if (!within(dir, this.root) || dir === this.root) throw new Error(`${dir} is not inside ${this.root}`);
    if (this.inUse(dir)) return "in-use";
    const running = this.removals.get(dir);
    if (running) {
      await running;
      return "absent";
    }
    const removal = (async (): Promise<Removal> => {
      const trash = path.join(this.root, REMOVING, randomUUID());
      await mkdir(path.dirname(trash), { recursive: true });
      try {
        await rename(dir, trash);
      } catch (error) {
        if (isMissing(error)) return "absent";
        throw error;
      }
      await rm(trash, { recursive: true, force: true });
      return "removed";
    })();
    this.removals.set(dir, removal);
    try {
      return await removal;
    } finally {
      this.removals.delete(dir);
    }
  }

  /** A subject's folder, once its request has ended. */
  removeSubject(shop: string, subjectId: string): Promise<Removal> {
    return this.remove(this.subjectDir(shop, subjectId));
  }

  /**
   * Everything of a shop on this host. The folder of a job running here is removed as soon as the
   * job lets go of it (it stops on its shop's cancelled request); `kept` lists those.
   */
  async removeShop(shop: string): Promise<{ removed: number; kept: string[] }> {
    const dir = this.shopDir(shop);
    if (!this.inUse(dir)) {
      const result = await this.remove(dir);
      if (result !== "in-use") return { removed: result === "removed" ? 1 : 0, kept: [] };
    }
    let removed = 0;
    const kept: string[] = [];
    for (const name of await this.entries(dir)) {
      const result = await this.remove(path.join(dir, name));
      if (result === "removed") removed += 1;
      if (result === "in-use") {
        kept.push(name);
        this.doomed.add(path.join(dir, name));
      }
    }
    if (kept.length === 0) await rmdir(dir).catch(() => undefined);
    return { removed, kept };
  }

  /** Names in a folder of the root; none when it does not exist. */
  async entries(dir = this.root): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (error) {
      if (isMissing(error) || (error as NodeJS.ErrnoException).code === "ENOTDIR") return [];
      throw error;
    }
  }

  /** What a removal killed half way left behind. */
  async clearRemoving(): Promise<void> {
    await rm(path.join(this.root, REMOVING), { recursive: true, force: true });
  }
}

const byRoot = new Map<string, WorkFolders>();

/** The process's one WorkFolders for a root: the GPU stages, the sweeper and the purge listener share its holds. */
export function workFoldersAt(root: string): WorkFolders {
  let folders = byRoot.get(root);
  if (!folders) byRoot.set(root, (folders = new WorkFolders(root)));
  return folders;
}
