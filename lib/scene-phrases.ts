// The general scenes' wording in other languages, for alt text in the shop's languages (translated
// here, no external service). Specific and custom scenes have no entry: their alt text is not
// translated and Shopify shows the shop's primary-language alt text for them.
import { SCENES } from "./scenes";

type GeneralSceneId = "g0" | "g1" | "g2" | "g3" | "g4" | "g5" | "g6" | "g7" | "g8" | "g9";

export const SCENE_PHRASES: Readonly<Record<string, Readonly<Record<GeneralSceneId, string>>>> = {
  fr: {
    g0: "dans la jungle",
    g1: "avec une montagne en arrière-plan",
    g2: "avec une maison en arrière-plan",
    g3: "sur un parquet en bois",
    g4: "flottant sur l’eau",
    g5: "dans la neige",
    g6: "avec un arbre et des feuilles d’automne en arrière-plan",
    g7: "sur la plage",
    g8: "dans une rue pavée",
    g9: "avec une ville en arrière-plan",
  },
  de: {
    g0: "im Dschungel",
    g1: "mit einem Berg im Hintergrund",
    g2: "mit einem Haus im Hintergrund",
    g3: "auf einem Holzboden",
    g4: "auf dem Wasser schwimmend",
    g5: "im Schnee",
    g6: "mit einem Baum und Herbstlaub im Hintergrund",
    g7: "am Strand",
    g8: "auf einer Kopfsteinpflasterstraße",
    g9: "mit einer Stadt im Hintergrund",
  },
  es: {
    g0: "en la selva",
    g1: "con una montaña al fondo",
    g2: "con una casa al fondo",
    g3: "sobre un suelo de madera",
    g4: "flotando sobre el agua",
    g5: "en la nieve",
    g6: "con un árbol y hojas de otoño al fondo",
    g7: "en la playa",
    g8: "en una calle empedrada",
    g9: "con una ciudad al fondo",
  },
};

/** The scene's wording in `locale` ("fr-CA" uses "fr"), or null when the table has none. */
export function scenePhrase(sceneId: string, locale: string): string | null {
  const table = SCENE_PHRASES[locale] ?? SCENE_PHRASES[locale.split("-")[0]!.toLowerCase()];
  if (!table || !SCENES.some((s) => s.id === sceneId && s.kind === "general")) return null;
  return table[sceneId as GeneralSceneId] ?? null;
}
