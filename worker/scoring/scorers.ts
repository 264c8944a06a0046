import path from "node:path";
import type ort from "onnxruntime-node";
import type { ModelProfile } from "../../lib/config";
import { ImageInputError, ModelFilesError } from "./errors";
import { decodeRgb, DEFAULT_IMAGE_LIMITS, type ImageInput, type ImageLimits, type RgbImage } from "./image-input";
import { readManifest, type ScoringManifest } from "./manifest";
import { cosine, itmProbability, meanCosine } from "./metrics";
import { preprocessBatch } from "./preprocess";
import { createSession, float32, int64Rows, row, type ExecutionProvider } from "./session";
import { TextTokenizer } from "./tokenizer";

/** Which export to load: `tiny` (random tiny models, tests/demo) or `real` (DINO ViT-S/16, CLIP, BLIP). */
export type ScoringProfile = "tiny" | "real";

export function scoringProfileFor(profile: ModelProfile): ScoringProfile {
  return profile === "tiny" ? "tiny" : "real";
}

export function scoringModelsDir(modelsDir: string, profile: ScoringProfile): string {
  return path.join(modelsDir, "scoring", profile);
}

export interface LoadScorersOptions {
  /** The models root (config().modelsDir); the export is read from `<modelsDir>/scoring/<profile>`. */
  modelsDir: string;
  profile: ScoringProfile | ModelProfile;
  executionProvider?: ExecutionProvider;
  threads?: number;
  /** Hash every model file against the manifest at load (default true). */
  verifyChecksums?: boolean;
  limits?: ImageLimits;
}

/** The paper's five internal metrics for one candidate. Cosines are raw (in [-1, 1]); ITM is a probability. */
export interface Scores {
  dino: number;
  clipI: number;
  clipT: number;
  itm: number;
  itc: number;
}

/**
 * Embeddings of a product's real training photos, computed once (embedReferences) and stored as
 * plain JSON. `modelsDigest` names the export they came from; scoring refuses another export's.
 */
export interface ReferenceEmbeddings {
  modelsDigest: string;
  dino: number[][];
  clip: number[][];
}

export interface Scorers {
  readonly manifest: ScoringManifest;
  readonly modelsDigest: string;
  embedReferences(images: ImageInput[]): Promise<ReferenceEmbeddings>;
  scoreCandidate(image: ImageInput, prompt: string, refs: ReferenceEmbeddings): Promise<Scores>;
  close(): Promise<void>;
}

const TEXT_CACHE_SIZE = 256;

export async function loadScorers(options: LoadScorersOptions): Promise<Scorers> {
  const profile =
    options.profile === "tiny" || options.profile === "real" ? options.profile : scoringProfileFor(options.profile);
  const dir = scoringModelsDir(options.modelsDir, profile);
  const { manifest, digest } = await readManifest(dir, options.verifyChecksums ?? true);
  const m = manifest.models;
  const file = (name: string) => path.join(dir, name);
  const sessionOptions = { executionProvider: options.executionProvider, threads: options.threads };
  const [dinoVision, clipVision, clipText, blipVision, blipText, blipItm] = await Promise.all(
    [
      m.dino.files.vision,
      m.clip.files.vision,
      m.clip.files.text,
      m.blip.files.vision,
      m.blip.files.text,
      m.blip.files.itm,
    ].map((f) => createSession(file(f), sessionOptions)),
  );
  const clipTok = await TextTokenizer.load(file(m.clip.files.tokenizer), m.clip.text.maxLength);
  const blipTok = await TextTokenizer.load(file(m.blip.files.tokenizer), m.blip.text.maxLength);
  const limits = options.limits ?? DEFAULT_IMAGE_LIMITS;

  const run = (session: ort.InferenceSession, feeds: Record<string, ort.Tensor>) => session.run(feeds);

  const decode = (input: ImageInput): Promise<RgbImage> => decodeRgb(input, limits);

  async function embedVision(images: RgbImage[], withBlip: boolean) {
    const dino = preprocessBatch(images, m.dino.preprocess);
    const clip = preprocessBatch(images, m.clip.preprocess);
    const dinoOut = (await run(dinoVision!, { pixel_values: float32(dino.data, dino.dims) })).cls!;
    const clipOut = (await run(clipVision!, { pixel_values: float32(clip.data, clip.dims) })).image_embeds!;
    let blip: ort.InferenceSession.OnnxValueMapType | undefined;
    if (withBlip) {
      const px = preprocessBatch(images, m.blip.preprocess);
      blip = await run(blipVision!, { pixel_values: float32(px.data, px.dims) });
    }
    return { dinoOut, clipOut, blip };
  }

  const textCache = new Map<string, { clip: Float32Array; blipFeature: Float32Array; blipIds: number[] }>();
  async function embedText(prompt: string) {
    const hit = textCache.get(prompt);
    if (hit) return hit;
    const clipIds = clipTok.encode(prompt).ids;
    const blipIds = blipTok.encode(prompt).ids;
    const ones = (ids: number[]) => int64Rows([ids.map(() => 1)]);
    const clip = row(
      (await run(clipText!, { input_ids: int64Rows([clipIds]), attention_mask: ones(clipIds) })).text_embeds!,
      0,
    );
    const blipFeature = row(
      (await run(blipText!, { input_ids: int64Rows([blipIds]), attention_mask: ones(blipIds) })).text_feat!,
      0,
    );
    const entry = { clip, blipFeature, blipIds };
    if (textCache.size >= TEXT_CACHE_SIZE) textCache.delete(textCache.keys().next().value!);
    textCache.set(prompt, entry);
    return entry;
  }

  return {
    manifest,
    modelsDigest: digest,

    async embedReferences(images) {
      if (images.length === 0) throw new RangeError("embedReferences needs at least one photo");
      const decoded: RgbImage[] = [];
      for (const [i, image] of images.entries()) {
        try {
          decoded.push(await decode(image));
        } catch (error) {
          if (error instanceof ImageInputError)
            throw new ImageInputError(error.code, `reference photo ${i + 1}: ${error.message}`);
          throw error;
        }
      }
      const { dinoOut, clipOut } = await embedVision(decoded, false);
      return {
        modelsDigest: digest,
        dino: decoded.map((_, i) => Array.from(row(dinoOut, i))),
        clip: decoded.map((_, i) => Array.from(row(clipOut, i))),
      };
    },

    async scoreCandidate(image, prompt, refs) {
      if (refs.modelsDigest !== digest) {
        throw new ModelFilesError(
          `reference embeddings come from another scoring export (${refs.modelsDigest}, loaded ${digest}): recompute them with embedReferences`,
        );
      }
      const decoded = await decode(image);
      const { dinoOut, clipOut, blip } = await embedVision([decoded], true);
      const text = await embedText(prompt);
      const itmLogits = (
        await run(blipItm!, {
          input_ids: int64Rows([text.blipIds]),
          attention_mask: int64Rows([text.blipIds.map(() => 1)]),
          image_embeds: blip!.image_embeds!,
        })
      ).itm_logits!;
      const clipEmbedding = row(clipOut, 0);
      return {
        dino: meanCosine(row(dinoOut, 0), refs.dino),
        clipI: meanCosine(clipEmbedding, refs.clip),
        clipT: cosine(clipEmbedding, text.clip),
        itm: itmProbability(itmLogits.data as Float32Array),
        itc: cosine(row(blip!.image_feat!, 0), text.blipFeature),
      };
    },

    async close() {
      await Promise.all([dinoVision, clipVision, clipText, blipVision, blipText, blipItm].map((s) => s!.release()));
      textCache.clear();
    },
  };
}
