import { describe, expect, it } from "vitest";
import { EmptyGroupError, groupMeans, metricSummaries, shownShare, summarize, type ScoredImage } from "./stats";
import { buildTables, fmt, renderTables } from "./tables";
import { parseClasses } from "./subjects";

function image(
  subject: string,
  kind: "general" | "specific",
  teSteps: number,
  s: [number, number, number, number, number],
): ScoredImage {
  return {
    subject,
    classNoun: subject,
    sceneId: kind === "general" ? "g0" : "s10",
    sceneKind: kind,
    prompt: `a ${subject}`,
    seed: 0,
    textEncoderSteps: teSteps,
    image: "x.png",
    scores: { dino: s[0], clipI: s[1], clipT: s[2], itm: s[3], itc: s[4] },
  };
}

// Four images: DINO 0.2, 0.4, 0.6, 0.8 → mean 0.5, sample variance (0.09+0.01+0.01+0.09)/3 = 0.0666…, std 0.2582
const IMAGES = [
  image("vase", "general", 200, [0.2, 0.9, 0.1, 0.95, 0.3]),
  image("vase", "specific", 200, [0.4, 0.8, 0.3, 0.05, 0.5]),
  image("teapot", "general", 200, [0.6, 0.7, 0.2, 0.99, 0.4]),
  image("teapot", "specific", 200, [0.8, 0.6, 0.4, 0.9, 0.6]),
];

describe("summarize", () => {
  it("gives mean, sample std, min and max", () => {
    const s = summarize([0.2, 0.4, 0.6, 0.8]);
    expect(s.n).toBe(4);
    expect(s.mean).toBeCloseTo(0.5, 12);
    expect(s.std).toBeCloseTo(Math.sqrt(0.2 / 3), 12);
    expect(s.std).toBeCloseTo(0.258199, 6);
    expect(s.min).toBe(0.2);
    expect(s.max).toBe(0.8);
  });

  it("has no std for one value and refuses none", () => {
    expect(summarize([0.7])).toEqual({ n: 1, mean: 0.7, std: null, min: 0.7, max: 0.7 });
    expect(() => summarize([])).toThrow(EmptyGroupError);
  });
});

describe("metric tables", () => {
  it("summarizes each metric over the images", () => {
    const t = metricSummaries(IMAGES);
    expect(t.dino.mean).toBeCloseTo(0.5, 12);
    expect(t.clipI.mean).toBeCloseTo(0.75, 12);
    expect(t.clipT.std).toBeCloseTo(Math.sqrt(0.05 / 3), 12); // 0.1,0.3,0.2,0.4: mean 0.25, squares 0.0225+0.0025+0.0025+0.0225
    expect(t.itm.min).toBe(0.05);
    expect(t.itc.max).toBe(0.6);
  });

  it("splits general and specific prompts, and subjects, in first-seen order", () => {
    const kinds = groupMeans(IMAGES, (i) => i.sceneKind);
    expect(kinds.map((k) => k.group)).toEqual(["general", "specific"]);
    expect(kinds[0]!.means.dino).toBeCloseTo(0.4, 12); // (0.2 + 0.6) / 2
    expect(kinds[1]!.means.itm).toBeCloseTo(0.475, 12); // (0.05 + 0.9) / 2
    const subjects = groupMeans(IMAGES, (i) => i.subject);
    expect(subjects.map((s) => [s.group, s.n])).toEqual([
      ["vase", 2],
      ["teapot", 2],
    ]);
    expect(subjects[1]!.means.clipI).toBeCloseTo(0.65, 12);
  });

  it("counts the images the paper would show (ITM strictly above 0.9)", () => {
    expect(shownShare(IMAGES)).toBe(0.5); // 0.95 and 0.99; 0.9 itself is not above
  });

  it("orders the ablation by text-encoder steps and renders every table", () => {
    const ablation = [
      image("vase", "general", 300, [1, 1, 0, 0, 0]),
      ...IMAGES,
      image("vase", "general", 100, [0, 0, 1, 1, 1]),
    ];
    const tables = buildTables(IMAGES, ablation);
    expect(tables.ablation!.map((a) => [a.textEncoderSteps, a.n])).toEqual([
      [100, 1],
      [200, 4],
      [300, 1],
    ]);
    const md = renderTables(tables);
    expect(md).toContain("| DINO | 0.500 | 0.258 | 0.200 | 0.800 |");
    expect(md).toContain("| general | 2 | 0.400 | 0.800 | 0.150 | 0.970 | 0.350 |");
    // specific (0.6, 0.7, 0.35, 0.475, 0.55) − general (0.4, 0.8, 0.15, 0.97, 0.35)
    expect(md).toContain("| specific − general |  | +0.200 | −0.100 | +0.200 | −0.495 | +0.200 |");
    expect(md).toContain("| 100 | 1 | 0.000 | 0.000 | 1.000 | 1.000 | 1.000 |");
    expect(md).toContain("| paper: BLIP2Booth | 0.778 | 0.883 | 0.242 | 0.495 | 0.415 |");
    expect(md).toContain("ITM > 0.9 (shown to people in the paper): 50.0 %");
    expect(buildTables(IMAGES).ablation).toBeUndefined();
    expect(renderTables(buildTables(IMAGES))).not.toContain("Ablation");
  });

  it("formats three decimals and a missing std as a dash", () => {
    expect(fmt(0.77849)).toBe("0.778");
    expect(fmt(null)).toBe("–");
  });
});

describe("parseClasses", () => {
  it("reads the Classes section up to Prompts", () => {
    const text = "Classes\n\nsubject_name,class\nbackpack,backpack\nbear_plushie,stuffed animal\n\nPrompts\n\nx,y\n";
    expect([...parseClasses(text)]).toEqual([
      ["backpack", "backpack"],
      ["bear_plushie", "stuffed animal"],
    ]);
  });

  it("refuses a file without classes or with a broken line", () => {
    expect(() => parseClasses("Prompts\n")).toThrow(/no Classes section/);
    expect(() => parseClasses("Classes\nbackpack\n")).toThrow(/cannot read the class line "backpack"/);
  });
});
