// The bad photo files of the fault suite, made with sharp, and what SceneBooth must do with each:
// prepare it correctly (and say what it converted), or leave it out with a reason the merchant reads.
import sharp, { type Sharp } from "sharp";

export interface BadImage {
  name: string;
  filename: string;
  make: () => Promise<Buffer>;
  /** "prepared": becomes an 8-bit sRGB training crop without alpha (`white corner`: transparency went to white); else left out with this reason. */
  expect: { prepared: true; whiteCorner?: boolean } | { prepared: false; reason: RegExp };
}

const solid = (width: number, height: number, channels: 3 | 4 = 3, alpha = 1) =>
  sharp({ create: { width, height, channels, background: { r: 180, g: 60, b: 40, alpha } } });

/** A red object with some texture (a flat image would be a blank photo, not a product). */
const texturedSquare = (side: number) =>
  sharp({
    create: {
      width: side,
      height: side,
      channels: 3,
      background: "#808080",
      noise: { type: "gaussian", mean: 128, sigma: 30 },
    },
  })
    .tint({ r: 200, g: 40, b: 30 })
    .png()
    .toBuffer();

/** A canvas as an encoded image: compositing onto `sharp({ create })` itself blends the overlay into every pixel. */
const canvas = (width: number, height: number, background: { r: number; g: number; b: number; alpha?: number }) =>
  sharp({ create: { width, height, channels: 4, background: { alpha: 1, ...background } } })
    .png()
    .toBuffer();

/** A product-like photo: the red object on a light backdrop. */
async function objectPhoto(width: number, height: number): Promise<Sharp> {
  const side = Math.round(Math.min(width, height) / 2);
  const backdrop = await canvas(width, height, { r: 225, g: 225, b: 215 });
  return sharp(backdrop, { limitInputPixels: false })
    .composite([
      { input: await texturedSquare(side), left: Math.round((width - side) / 2), top: Math.round((height - side) / 2) },
    ])
    .removeAlpha();
}

/** The red object on a transparent canvas: flattening must put it on white. */
async function alphaPng(): Promise<Buffer> {
  return sharp(await canvas(800, 800, { r: 0, g: 0, b: 0, alpha: 0 }))
    .composite([{ input: await texturedSquare(400), left: 200, top: 200 }])
    .png()
    .toBuffer();
}

async function animated(format: "gif" | "webp"): Promise<Buffer> {
  const frame = (colour: string) =>
    sharp({ create: { width: 400, height: 400, channels: 3, background: colour } })
      .png()
      .toBuffer();
  const frames = sharp([await frame("#c03020"), await frame("#2040c0")], { join: { animated: true } });
  return format === "gif" ? frames.gif().toBuffer() : frames.webp().toBuffer();
}

/** An HEIC file's first box ("ftypheic") and nothing a JPEG decoder knows: as an iPhone photo renamed .jpg starts. */
const heicBytes = () =>
  Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from("ftypheicmif1heic", "latin1"), Buffer.alloc(4096, 7)]);

export const BAD_IMAGES: BadImage[] = [
  {
    name: "corrupt file (JPEG magic, garbage body)",
    filename: "corrupt.jpg",
    make: async () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(20_000, 0x5a)]),
    expect: { prepared: false, reason: /not a readable image|damaged or truncated|could not be used/ },
  },
  {
    name: "truncated JPEG",
    filename: "truncated.jpg",
    make: async () => (await solid(900, 900).jpeg().toBuffer()).subarray(0, 2500),
    expect: { prepared: false, reason: /damaged or truncated|not a readable image|could not be used/ },
  },
  {
    name: "blank photo (one flat colour)",
    filename: "blank.jpg",
    make: () => solid(2000, 2000).jpeg().toBuffer(),
    expect: { prepared: false, reason: /one flat colour/ },
  },
  {
    name: "1×1 image",
    filename: "pixel.png",
    make: () => solid(1, 1).png().toBuffer(),
    expect: { prepared: false, reason: /only 1×1 pixels/ },
  },
  {
    name: "10000×10000 image",
    filename: "huge.jpg",
    make: async () => (await objectPhoto(10_000, 10_000)).jpeg({ quality: 50 }).toBuffer(),
    expect: { prepared: true },
  },
  {
    name: "CMYK JPEG",
    filename: "cmyk.jpg",
    make: async () => (await objectPhoto(900, 900)).jpeg().toColourspace("cmyk").toBuffer(),
    expect: { prepared: true },
  },
  {
    name: "16-bit PNG",
    filename: "deep.png",
    make: async () =>
      sharp(await (await objectPhoto(900, 900)).png().toBuffer())
        .toColourspace("rgb16")
        .png()
        .toBuffer(),
    expect: { prepared: true },
  },
  { name: "PNG with alpha", filename: "alpha.png", make: alphaPng, expect: { prepared: true, whiteCorner: true } },
  {
    name: "animated GIF",
    filename: "animated.gif",
    make: () => animated("gif"),
    expect: { prepared: false, reason: /Animated images cannot be used/ },
  },
  {
    name: "animated WebP",
    filename: "animated.webp",
    make: () => animated("webp"),
    expect: { prepared: false, reason: /Animated images cannot be used/ },
  },
  {
    name: "HEIC named .jpg",
    filename: "IMG_0001.jpg",
    make: async () => heicBytes(),
    expect: { prepared: false, reason: /not a JPEG, PNG, GIF or WEBP|not a readable image/ },
  },
  {
    name: "SVG",
    filename: "drawing.svg",
    make: async () =>
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="900" height="900"><script>alert(1)</script><rect width="900" height="900" fill="#c03020"/></svg>',
      ),
    expect: { prepared: false, reason: /not a JPEG, PNG, GIF or WEBP|SVG/ },
  },
];
