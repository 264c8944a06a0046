import sharp from "sharp";

/**
 * The bad inputs every image stage must survive, generated with sharp (no binary fixtures):
 * each entry says whether it must be refused (with which ImageInputError code) or converted.
 */
export interface BadImage {
  name: string;
  bytes: () => Promise<Buffer>;
  expect: { error: string } | { conversion: RegExp; rgb?: [number, number, number] };
}

const noise = (width: number, height: number) =>
  sharp({
    create: { width, height, channels: 3, background: "#000000", noise: { type: "gaussian", mean: 128, sigma: 40 } },
  });

export const BAD_IMAGES: BadImage[] = [
  { name: "1x1 PNG", bytes: () => noise(1, 1).png().toBuffer(), expect: { error: "too_small" } },
  {
    name: "10000x10000 PNG",
    // Refused from the header, before any decoding.
    bytes: () =>
      sharp({ create: { width: 10000, height: 10000, channels: 3, background: "#808080" } })
        .png({ compressionLevel: 1 })
        .toBuffer(),
    expect: { error: "too_large" },
  },
  {
    name: "CMYK JPEG",
    bytes: () =>
      sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 150, g: 120, b: 100 } } })
        .toColourspace("cmyk")
        .jpeg()
        .toBuffer(),
    expect: { conversion: /cmyk converted to sRGB/, rgb: [150, 120, 100] },
  },
  {
    name: "16-bit PNG with alpha",
    bytes: () =>
      sharp({ create: { width: 80, height: 60, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } })
        .toColourspace("rgb16")
        .png()
        .toBuffer(),
    // 50 % over white
    expect: { conversion: /alpha composited onto white/, rgb: [132, 227, 142] },
  },
  {
    name: "animated GIF",
    bytes: async () => {
      const frame = (colour: string) =>
        sharp({ create: { width: 48, height: 48, channels: 3, background: colour } })
          .raw()
          .toBuffer();
      const frames = Buffer.concat([await frame("#ff0000"), await frame("#0000ff")]);
      return sharp(frames, { raw: { width: 48, height: 96, channels: 3, pageHeight: 48 } })
        .gif()
        .toBuffer();
    },
    expect: { conversion: /animated \(2 frames\): first frame used/, rgb: [255, 0, 0] },
  },
  {
    name: "truncated JPEG",
    bytes: async () => {
      const jpeg = await noise(256, 256).jpeg().toBuffer();
      return jpeg.subarray(0, Math.floor(jpeg.length / 2));
    },
    expect: { error: "corrupt" },
  },
  {
    name: "not an image",
    bytes: async () => Buffer.from("definitely not a picture"),
    expect: { error: "unsupported" },
  },
];
