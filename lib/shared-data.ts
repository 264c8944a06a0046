import path from "node:path";
import { projectRoot } from "./config";

/** The team's shared data folder beside the repository (never copied into it). */
export function sharedDir(): string {
  return process.env.SCENEBOOTH_SHARED_DIR ?? path.resolve(projectRoot, "..", "shared");
}

/** DreamBooth's subjects (CC-BY 4.0): one folder of photos per subject. */
export function dreambenchDir(): string {
  return path.join(sharedDir(), "dreambench");
}
