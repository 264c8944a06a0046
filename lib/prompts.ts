/**
 * Prompt composition shared with the tuner (worker/tuner/scenebooth_tuner/prompts.py): the same
 * "a <class> <identifier> …" template as the BLIP-2 training captions, so that generation prompts
 * look like what the model was tuned on.
 */

export class ClassNounError extends Error {
  override name = "ClassNounError";
}

/** The merchant's text as an error message may quote it: no markup, no control characters, one short line. */
function quotable(raw: string): string {
  return raw
    .replace(/<[^>]*>?/g, " ")
    .replace(/[<>&"'`\\{}[\]]/g, " ")
    .replace(/[\p{Cc}\p{Cf}]/gu, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 40);
}

/** "Teddy  Bear" → "teddy bear"; plain words only, since it is spliced into prompts and a token. */
export function normalizeClassNoun(raw: string): string {
  const noun = raw.normalize("NFKC").toLowerCase().replace(/\s+/g, " ").trim();
  if (noun.length > 40 || !/^[a-z][a-z0-9-]*( [a-z0-9-]+){0,3}$/.test(noun)) {
    const shown = quotable(raw);
    throw new ClassNounError(
      noun.length === 0
        ? "The product type (class noun) is empty: describe the product in one to four plain words, e.g. “sneaker”."
        : `${shown ? `“${shown}”` : "This"} cannot be a class noun: use one to four plain English words (letters, digits, hyphens; at most 40 characters), e.g. “teddy bear”.`,
    );
  }
  return noun;
}

/** The paper's identifier `<my{class}>`: "teddy bear" → "<myteddybear>". */
export function identifierToken(classNoun: string): string {
  return `<my${normalizeClassNoun(classNoun).replace(/[^a-z0-9]/g, "")}>`;
}

/** The prompt the tuned model generates from: "a sneaker <mysneaker> on the beach". */
export function generationPrompt(classNoun: string, sceneText: string): string {
  const noun = normalizeClassNoun(classNoun);
  return `a ${noun} ${identifierToken(noun)} ${sceneText}`;
}

/** The same prompt without the identifier: what CLIP-T and BLIP compare the image with. */
export function scoringPrompt(classNoun: string, sceneText: string): string {
  return `a ${normalizeClassNoun(classNoun)} ${sceneText}`;
}

/** Alt text for a published image: scene description + product title. */
export function altText(productTitle: string, classNoun: string, sceneText: string): string {
  return `${productTitle} — ${scoringPrompt(classNoun, sceneText)}`.slice(0, 512);
}

/** Alt text in another language: the product's (translated) title + the scene's wording in that language. */
export function translatedAltText(productTitle: string, scenePhrase: string): string {
  return `${productTitle} — ${scenePhrase}`.slice(0, 512);
}

const CLASS_HINTS: Array<[RegExp, string]> = [
  [/sunglass|glasses/, "sunglasses"],
  [/clock|watch/, "clock"],
  [/vase/, "vase"],
  [/teapot|kettle/, "teapot"],
  [/sneaker|trainer|running shoe/, "sneaker"],
  [/boot/, "boot"],
  [/backpack|rucksack/, "backpack"],
  [/teddy|plush|stuffed/, "teddy bear"],
  [/doll/, "doll"],
  [/candle/, "candle"],
  [/bowl/, "bowl"],
  [/\bcan\b|soda|beer/, "can"],
  [/toy/, "toy"],
];

/** A class noun suggested from the product type, then the title; the merchant can edit it. */
export function suggestClassNoun(productType: string, title: string): string {
  for (const text of [productType, title]) {
    const lower = text.toLowerCase();
    for (const [pattern, noun] of CLASS_HINTS) if (pattern.test(lower)) return noun;
  }
  try {
    return normalizeClassNoun(productType);
  } catch {
    return "product";
  }
}
