import { describe, expect, it } from "vitest";
import {
  bestMatchFirst,
  calibrate,
  overallLevel,
  PAPER_THRESHOLDS,
  RATING_CALIBRATION,
  shopThresholds,
  verdict,
  type RatedImage,
  type Scores,
} from "./review-verdict";

const scores = (s: Partial<Scores>): Scores => ({ dino: null, clipI: null, clipT: null, itm: null, itc: null, ...s });

// The paper's BLIP2Booth means (docs/recipe.md).
const PAPER_MEAN = scores({ dino: 0.778, clipI: 0.883, clipT: 0.242, itm: 0.95, itc: 0.415 });

describe("verdicts on the paper's reference values", () => {
  it("an image at the paper's BLIP2Booth means looks like the product and fits the scene", () => {
    const subject = verdict("subject", PAPER_MEAN, PAPER_THRESHOLDS);
    const scene = verdict("scene", PAPER_MEAN, PAPER_THRESHOLDS);
    expect([subject.title, subject.word, subject.reason]).toEqual([
      "Looks like your product",
      "Good",
      "close to your photos",
    ]);
    expect([scene.title, scene.word, scene.reason]).toEqual(["Fits the scene", "Good", "the scene is clearly there"]);
  });

  it("DreamBench's DreamBooth (SD) fidelity is fair; under the selection floors it is poor", () => {
    expect(verdict("subject", scores({ dino: 0.668, clipI: 0.803 }), PAPER_THRESHOLDS).level).toBe("fair");
    const poor = verdict("subject", scores({ dino: 0.45, clipI: 0.9 }), PAPER_THRESHOLDS);
    expect([poor.level, poor.reason]).toEqual(["poor", "does not look like your photos"]);
  });

  it("the weakest metric decides: a low ITM makes the scene poor whatever CLIP-T says", () => {
    const v = verdict("scene", scores({ itm: 0.05, clipT: 0.31, itc: 0.45 }), PAPER_THRESHOLDS);
    expect([v.word, v.reason]).toEqual(["Poor", "the scene is barely visible"]);
    expect(verdict("scene", scores({ itm: 0.7, clipT: 0.31, itc: 0.45 }), PAPER_THRESHOLDS).reason).toBe(
      "the scene is only partly there",
    );
  });

  it("an unscored image says so, and is neither good nor poor overall", () => {
    const v = verdict("subject", scores({}), PAPER_THRESHOLDS);
    expect([v.level, v.word, v.reason]).toEqual([null, "Not scored", "not scored yet"]);
    expect(overallLevel([v, verdict("scene", PAPER_MEAN, PAPER_THRESHOLDS)])).toBeNull();
  });

  it("the shop's ITM threshold and fidelity floors move the matching thresholds", () => {
    const t = shopThresholds({ itmThreshold: 0.8, fidelityFloorDino: 0.6, fidelityFloorClipI: null });
    expect(t.itm.good).toBe(0.8);
    expect(t.dino.poor).toBe(0.6);
    expect(t.clipI).toEqual(PAPER_THRESHOLDS.clipI);
    expect(verdict("scene", scores({ itm: 0.85, clipT: 0.3, itc: 0.5 }), t).level).toBe("good");
    expect(verdict("scene", scores({ itm: 0.85, clipT: 0.3, itc: 0.5 }), PAPER_THRESHOLDS).level).toBe("fair");
  });
});

/** `n` rated images whose subject scores rise with the rating: rating r scores dino 0.3 + 0.1 r. */
function ratedSubject(ratings: number[]): RatedImage[] {
  return ratings.map((r, i) => ({
    scores: scores({ dino: 0.3 + 0.1 * r + i * 0.001, clipI: 0.5 + 0.05 * r + i * 0.001 }),
    ratingSubject: r,
    ratingScene: null,
  }));
}

describe("verdicts on the shop's ratings", () => {
  it("stay on the reference values until enough images are rated", () => {
    const few = ratedSubject([5, 5, 5, 1, 1, 1, 3, 3, 3]); // 9 < minRatings
    expect(few.length).toBeLessThan(RATING_CALIBRATION.minRatings);
    const c = calibrate(PAPER_THRESHOLDS, few);
    expect(c.thresholds).toEqual(PAPER_THRESHOLDS);
    expect(c.aspects.subject).toEqual({ rated: 9, fromRatings: false, metrics: [] });
  });

  it("need good and poor ratings both: ten good ratings alone change nothing", () => {
    const c = calibrate(PAPER_THRESHOLDS, ratedSubject(Array(10).fill(5)));
    expect(c.aspects.subject.fromRatings).toBe(false);
  });

  it("move to the quartiles that separate the shop's good and poor ratings", () => {
    const rated = ratedSubject([5, 5, 4, 4, 3, 3, 2, 2, 1, 1]);
    const c = calibrate(PAPER_THRESHOLDS, rated);
    expect(c.aspects.subject).toEqual({ rated: 10, fromRatings: true, metrics: ["dino", "clipI"] });
    expect(c.aspects.scene.fromRatings).toBe(false);
    // Quartiles interpolate between the sorted scores. Good-rated DINO 0.702, 0.703, 0.8, 0.801: lower
    // quartile 0.702 + 0.75 × 0.001; poor-rated 0.408, 0.409, 0.506, 0.507: upper quartile 0.506 + 0.25 × 0.001.
    expect(c.thresholds.dino.good).toBeCloseTo(0.70275, 9);
    expect(c.thresholds.dino.poor).toBeCloseTo(0.50625, 9);
    expect(c.thresholds.itm).toEqual(PAPER_THRESHOLDS.itm);
    // A DINO the paper's values call fair (0.705 < 0.71) is good for this shop, whose 4-rated images score 0.70.
    expect(verdict("subject", scores({ dino: 0.705, clipI: 0.8 }), PAPER_THRESHOLDS).level).toBe("fair");
    expect(verdict("subject", scores({ dino: 0.705, clipI: 0.8 }), c.thresholds).level).toBe("good");
  });

  it("keep the reference values for a metric that does not separate the ratings", () => {
    // DINO falls as the rating rises: its quartiles overlap; CLIP-I rises and moves.
    const rated = [5, 5, 4, 4, 3, 3, 2, 2, 1, 1].map((r, i) => ({
      scores: scores({ dino: 0.9 - 0.1 * r + i * 0.001, clipI: 0.5 + 0.05 * r }),
      ratingSubject: r,
      ratingScene: null,
    }));
    const c = calibrate(PAPER_THRESHOLDS, rated);
    expect(c.aspects.subject.metrics).toEqual(["clipI"]);
    expect(c.thresholds.dino).toEqual(PAPER_THRESHOLDS.dino);
  });
});

describe("best match first", () => {
  it("selected images, then stronger verdicts, then higher ITM", () => {
    const item = (id: string, selected: boolean, s: Scores) => ({
      id,
      selected,
      scores: s,
      verdicts: [verdict("subject", s, PAPER_THRESHOLDS), verdict("scene", s, PAPER_THRESHOLDS)],
    });
    const items = [
      item("weak", false, scores({ dino: 0.55, clipI: 0.78, clipT: 0.22, itm: 0.05, itc: 0.36 })),
      item("picked", true, scores({ dino: 0.72, clipI: 0.86, clipT: 0.3, itm: 0.91, itc: 0.42 })),
      item("strong", false, scores({ dino: 0.8, clipI: 0.9, clipT: 0.3, itm: 0.95, itc: 0.45 })),
      item("weak-higher-itm", false, scores({ dino: 0.55, clipI: 0.78, clipT: 0.22, itm: 0.3, itc: 0.36 })),
    ];
    expect(items.sort(bestMatchFirst).map((i) => i.id)).toEqual(["picked", "strong", "weak-higher-itm", "weak"]);
  });
});
