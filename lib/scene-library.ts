/**
 * The scene library merchants pick from: scenes organised the way shops think of them (studio,
 * surfaces, rooms, outdoors, seasonal). Every theme has a general wording (short, open: the product
 * stays most faithful) and a specific one (detailed: the image follows the words more closely),
 * as ids `<theme>-g` and `<theme>-s`.
 *
 * Class rule: a theme may name the product groups it does not suit (`notFor`). A product's groups
 * come from the last word of its class noun and of its Shopify product type ("coffee table" and
 * "Living Room Furniture" are large; "table lamp" is not), singular or plural. A product in no
 * group suits every scene.
 */

export const SCENE_CATEGORIES = [
  { id: "studio", label: "Studio" },
  { id: "surfaces", label: "Surfaces" },
  { id: "rooms", label: "Rooms" },
  { id: "outdoors", label: "Outdoors" },
  { id: "seasonal", label: "Seasonal" },
] as const;

export type SceneCategory = (typeof SCENE_CATEGORIES)[number]["id"];

export const PRODUCT_GROUPS = {
  /** Too big to stand on a table or a shelf. */
  large: [
    "sofa",
    "couch",
    "sectional",
    "armchair",
    "chair",
    "stool",
    "bench",
    "table",
    "desk",
    "bed",
    "mattress",
    "wardrobe",
    "dresser",
    "bookcase",
    "bookshelf",
    "cabinet",
    "sideboard",
    "rug",
    "carpet",
    "bicycle",
    "bike",
    "furniture",
  ],
  apparel: [
    "shirt",
    "t-shirt",
    "tee",
    "dress",
    "jacket",
    "coat",
    "hoodie",
    "sweater",
    "jumper",
    "jeans",
    "pants",
    "trousers",
    "shorts",
    "skirt",
    "top",
    "apparel",
    "clothing",
    "clothes",
  ],
  footwear: ["sneaker", "boot", "shoe", "sandal", "slipper", "loafer", "heel", "footwear"],
} as const;

export type ProductGroup = keyof typeof PRODUCT_GROUPS;

export interface SceneTheme {
  key: string;
  category: SceneCategory;
  /** What the merchant sees as the theme's name. */
  name: string;
  general: string;
  specific: string;
  notFor?: readonly ProductGroup[];
}

const ON_A_TABLE: readonly ProductGroup[] = ["large"];
const FOOD_AND_HOME: readonly ProductGroup[] = ["large", "apparel", "footwear"];

export const SCENE_THEMES: readonly SceneTheme[] = [
  {
    key: "white-seamless",
    category: "studio",
    name: "White seamless",
    general: "on a white seamless backdrop",
    specific: "on a seamless white studio backdrop with soft, even lighting and a gentle shadow",
  },
  {
    key: "grey-gradient",
    category: "studio",
    name: "Grey gradient",
    general: "in front of a grey gradient backdrop",
    specific: "against a smooth grey gradient studio backdrop, lit from the side with soft shadows",
  },
  {
    key: "color-backdrop",
    category: "studio",
    name: "Coloured backdrop",
    general: "in front of a colored backdrop",
    specific: "against a soft pastel pink studio backdrop with diffused light and a clean matching floor",
  },
  {
    key: "marble",
    category: "surfaces",
    name: "Marble countertop",
    general: "on a marble countertop",
    specific: "on a polished white marble countertop with soft window light and a blurred background",
    notFor: ON_A_TABLE,
  },
  {
    key: "wood-table",
    category: "surfaces",
    name: "Wooden table",
    general: "on a wooden table",
    specific: "on a rustic oak table with visible grain, warm afternoon light and a softly blurred room behind",
    notFor: ON_A_TABLE,
  },
  {
    key: "concrete",
    category: "surfaces",
    name: "Concrete",
    general: "on polished concrete",
    specific: "on a polished concrete floor in a bright industrial loft with large windows",
  },
  {
    key: "kitchen",
    category: "rooms",
    name: "Kitchen counter",
    general: "on a kitchen counter",
    specific: "on a clean kitchen counter beside a window, with fresh herbs and morning light",
    notFor: FOOD_AND_HOME,
  },
  {
    key: "bathroom",
    category: "rooms",
    name: "Bathroom shelf",
    general: "on a bathroom shelf",
    specific: "on a white bathroom shelf next to folded towels and a green plant, in soft daylight",
    notFor: FOOD_AND_HOME,
  },
  {
    key: "living-room",
    category: "rooms",
    name: "Living room",
    general: "in a living room",
    specific: "in a bright, cosy living room with a linen sofa, a wool rug and plants by the window",
  },
  {
    key: "desk",
    category: "rooms",
    name: "Desk",
    general: "on a desk",
    specific: "on a tidy wooden desk next to a laptop and a notebook in a sunlit home office",
    notFor: ON_A_TABLE,
  },
  {
    key: "beach",
    category: "outdoors",
    name: "Beach",
    general: "on a sandy beach",
    specific: "on a sandy beach at golden hour with gentle waves and a clear sky behind",
  },
  {
    key: "park",
    category: "outdoors",
    name: "Park",
    general: "in a park",
    specific: "on the grass of a green city park with trees and dappled sunlight in the background",
  },
  {
    key: "cafe",
    category: "outdoors",
    name: "Café terrace",
    general: "on a café terrace",
    specific: "on a small table of a sunny café terrace with a blurred street and coffee cups behind",
    notFor: ON_A_TABLE,
  },
  {
    key: "city-street",
    category: "outdoors",
    name: "City street",
    general: "on a city street",
    specific: "on the sidewalk of a lively city street with shop windows in soft evening light",
  },
  {
    key: "snow",
    category: "outdoors",
    name: "Snow",
    general: "in fresh snow",
    specific: "in fresh snow on a bright winter day with snow-covered pine trees behind",
  },
  {
    key: "mountain",
    category: "outdoors",
    name: "Mountain",
    general: "in the mountains",
    specific: "on a rocky mountain trail with a wide valley and snowy peaks in the background",
  },
  {
    key: "holiday-table",
    category: "seasonal",
    name: "Holiday table",
    general: "on a festive holiday table",
    specific: "on a festive holiday table with candles, pine branches and warm string lights",
    notFor: FOOD_AND_HOME,
  },
  {
    key: "autumn",
    category: "seasonal",
    name: "Autumn",
    general: "among autumn leaves",
    specific: "among red and golden autumn leaves on a forest path in warm afternoon light",
  },
  {
    key: "spring",
    category: "seasonal",
    name: "Spring",
    general: "among spring flowers",
    specific: "surrounded by blooming spring flowers in a sunny garden with fresh green leaves",
  },
];

export const themeSceneId = (key: string, kind: "general" | "specific") => `${key}-${kind === "general" ? "g" : "s"}`;

/** A new shop's scenes: three themes that suit most products, each in both wordings. */
export const DEFAULT_LIBRARY_SCENE_IDS = ["white-seamless", "wood-table", "living-room"].flatMap((key) => [
  themeSceneId(key, "general"),
  themeSceneId(key, "specific"),
]);

const WORD_GROUPS = new Map<string, ProductGroup>(
  (Object.entries(PRODUCT_GROUPS) as Array<[ProductGroup, readonly string[]]>).flatMap(([group, words]) =>
    words.map((word) => [word, group] as [string, ProductGroup]),
  ),
);

function headGroup(text: string): ProductGroup | undefined {
  const head = text.toLowerCase().trim().split(/\s+/).pop() ?? "";
  for (const word of [head, head.replace(/s$/, ""), head.replace(/es$/, "")]) {
    const group = WORD_GROUPS.get(word);
    if (group) return group;
  }
  return undefined;
}

/** The groups of a product, from the last word of its class noun and of its product type. */
export function productGroups(product: { classNoun: string; productType?: string }): ProductGroup[] {
  const groups = [headGroup(product.classNoun), headGroup(product.productType ?? "")];
  return [...new Set(groups.filter((g): g is ProductGroup => g !== undefined))];
}

export function themeSuits(theme: SceneTheme, product: { classNoun: string; productType?: string }): boolean {
  const groups = productGroups(product);
  return !(theme.notFor ?? []).some((group) => groups.includes(group));
}
