import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { normalizeClassNoun } from "../../lib/prompts";

/** One DreamBench subject: its folder of real photos and its DreamBooth class noun. */
export interface EvalSubject {
  name: string;
  classNoun: string;
  photos: string[];
}

/** A small default (the paper's own classes among them): what runs here in a few minutes on `tiny`. */
export const DEFAULT_SUBJECTS = ["backpack", "teapot"] as const;

export class SubjectError extends Error {
  override name = "SubjectError";
}

const PHOTO = /\.(jpe?g|png|webp)$/i;

/**
 * The "Classes" section of DreamBench's prompts_and_classes.txt: `subject_name,class` lines up to
 * the "Prompts" heading. Returns subject → class noun.
 */
export function parseClasses(text: string): Map<string, string> {
  const classes = new Map<string, string>();
  let inClasses = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "Classes") inClasses = true;
    else if (line === "Prompts") break;
    else if (inClasses && line && line !== "subject_name,class") {
      const [name, cls] = line.split(",").map((s) => s.trim());
      if (!name || !cls) throw new SubjectError(`prompts_and_classes.txt: cannot read the class line "${line}"`);
      classes.set(name, normalizeClassNoun(cls));
    }
  }
  if (classes.size === 0) throw new SubjectError("prompts_and_classes.txt has no Classes section");
  return classes;
}

/** Every subject folder present in `dir` that has a DreamBooth class, sorted by name. */
export async function availableSubjects(dir: string): Promise<string[]> {
  const classes = parseClasses(await readFile(path.join(dir, "prompts_and_classes.txt"), "utf8"));
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory() && classes.has(e.name))
    .map((e) => e.name)
    .sort();
}

/** The named subjects with their classes and photos; an unknown name is an error that lists the known ones. */
export async function loadSubjects(dir: string, names: readonly string[]): Promise<EvalSubject[]> {
  if (!existsSync(path.join(dir, "prompts_and_classes.txt"))) {
    throw new SubjectError(`no DreamBench data at ${dir} (prompts_and_classes.txt missing); set SCENEBOOTH_SHARED_DIR`);
  }
  const classes = parseClasses(await readFile(path.join(dir, "prompts_and_classes.txt"), "utf8"));
  const present = await availableSubjects(dir);
  const subjects: EvalSubject[] = [];
  for (const name of names) {
    if (!present.includes(name)) throw new SubjectError(`unknown subject "${name}"; available: ${present.join(", ")}`);
    const files = (await readdir(path.join(dir, name))).filter((f) => PHOTO.test(f)).sort();
    if (files.length < 3)
      throw new SubjectError(`subject "${name}" has ${files.length} photos; the tuner needs at least 3`);
    subjects.push({ name, classNoun: classes.get(name)!, photos: files.map((f) => path.join(dir, name, f)) });
  }
  return subjects;
}
