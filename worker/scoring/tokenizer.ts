import fs from "node:fs/promises";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { ModelFilesError } from "./errors";

export interface TextTokens {
  ids: number[];
  /** The text after the identifier token was removed, as it was tokenized. */
  text: string;
}

/** Removes DreamBooth identifier tokens such as `<mysneaker>` and collapses the spaces left behind. */
export function stripIdentifier(prompt: string): string {
  return prompt
    .replace(/<[^<>\s]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * A tokenizer read from an exported `tokenizer.json` (with its `tokenizer_config.json` beside it),
 * truncating as the Python reference does (`truncation=True, max_length`): content tokens are cut,
 * the closing special token (CLIP's end-of-text, BERT's [SEP]) is kept.
 */
export class TextTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    readonly maxLength: number,
    private readonly endOfWordSuffix: string | undefined,
  ) {}

  static async load(tokenizerJsonPath: string, maxLength: number): Promise<TextTokenizer> {
    const read = async (file: string) => JSON.parse(await fs.readFile(file, "utf8")) as Record<string, unknown>;
    let json: Record<string, unknown>;
    try {
      json = await read(tokenizerJsonPath);
    } catch (error) {
      throw new ModelFilesError(`tokenizer ${tokenizerJsonPath} could not be read: ${(error as Error).message}`);
    }
    const configPath = path.join(path.dirname(tokenizerJsonPath), "tokenizer_config.json");
    const config = await read(configPath).catch(() => ({}));
    const model = json.model as { end_of_word_suffix?: string } | undefined;
    return new TextTokenizer(new Tokenizer(json, config), maxLength, model?.end_of_word_suffix ?? undefined);
  }

  encode(prompt: string): TextTokens {
    const text = stripIdentifier(prompt);
    const ids = this.tokenizer.encode(text).ids;
    if (ids.length <= this.maxLength) return { ids, text };
    return { ids: [...ids.slice(0, this.maxLength - 1), ids[ids.length - 1]!], text };
  }

  /** Text back from ids, without special tokens (CLIP's `</w>` word ends become spaces, as in transformers). */
  decode(ids: number[]): string {
    const text = this.tokenizer.decode(ids, { skip_special_tokens: true });
    return this.endOfWordSuffix ? text.split(this.endOfWordSuffix).join(" ").replace(/\s+/g, " ").trim() : text;
  }
}
