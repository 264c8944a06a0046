// Makes the packshot test set (tests/fixtures/packshots): catalog-style photos of simple products
// on a plain backdrop, as Shopify stores have them and DreamBench does not. Each product is a
// box with a printed label on every face, rendered in orthographic projection with flat shading
// and a soft floor shadow. Run with `npx tsx scripts/make-packshots.ts`; the PNGs are committed.
//
// - carton-{0..3}: one carton in four clearly different poses on white (square 800 px);
// - carton-grey: the first pose on a grey backdrop;
// - bottle-portrait: a tall product filling a 2:3 frame (600×900);
// - bench-wide: a long product filling a 3:1 frame (1200×400).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";

type Vec = [number, number, number];

interface Product {
  size: Vec;
  /** Base colour of the six faces: +x, -x, +y (top), -y, +z (front), -z. */
  faces: string[];
}

interface Shot {
  name: string;
  product: Product;
  yawDeg: number;
  pitchDeg: number;
  width: number;
  height: number;
  /** Share of the frame's limiting side the product's projection spans. */
  fill: number;
  backdrop: string;
}

const CARTON: Product = {
  size: [1, 1.4, 0.7],
  faces: ["#c0392b", "#2471a3", "#f4d03f", "#5d6d7e", "#27ae60", "#8e44ad"],
};
const BOTTLE: Product = {
  size: [0.45, 1.6, 0.45],
  faces: ["#1f618d", "#117a65", "#d68910", "#4d5656", "#a93226", "#6c3483"],
};
const BENCH: Product = {
  size: [3, 0.7, 0.5],
  faces: ["#784212", "#9c640c", "#d4ac0d", "#4d5656", "#935116", "#6e2c00"],
};

const SHOTS: Shot[] = [
  ...[25, 115, 205, 295].map((yawDeg, i) => ({
    name: `carton-${i}`,
    product: CARTON,
    yawDeg,
    pitchDeg: [18, 30, 10, 40][i]!,
    width: 800,
    height: 800,
    fill: 0.7,
    backdrop: "#ffffff",
  })),
  {
    name: "carton-grey",
    product: CARTON,
    yawDeg: 25,
    pitchDeg: 18,
    width: 800,
    height: 800,
    fill: 0.7,
    backdrop: "#d9d9d9",
  },
  {
    name: "bottle-portrait",
    product: BOTTLE,
    yawDeg: 35,
    pitchDeg: 12,
    width: 600,
    height: 900,
    fill: 0.94,
    backdrop: "#ffffff",
  },
  {
    name: "bench-wide",
    product: BENCH,
    yawDeg: 12,
    pitchDeg: 14,
    width: 1200,
    height: 400,
    fill: 0.94,
    backdrop: "#f2f2f2",
  },
];

function rotate([x, y, z]: Vec, yaw: number, pitch: number): Vec {
  const [cy, sy, cp, sp] = [Math.cos(yaw), Math.sin(yaw), Math.cos(pitch), Math.sin(pitch)];
  const x1 = cy * x + sy * z;
  const z1 = -sy * x + cy * z;
  // Pitch tilts the top towards the camera (we look down on the product).
  return [x1, cp * y - sp * z1, sp * y + cp * z1];
}

function shade(hex: string, light: number): string {
  const channel = (i: number) => Math.round(Math.min(255, parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) * light));
  return `rgb(${channel(0)},${channel(1)},${channel(2)})`;
}

/** The six faces as [normal, four corners] in product space, corners counter-clockwise seen from outside. */
function faces([w, h, d]: Vec): Array<{ normal: Vec; corners: Vec[]; u: Vec; v: Vec }> {
  const [a, b, c] = [w / 2, h / 2, d / 2];
  return [
    {
      normal: [1, 0, 0],
      corners: [
        [a, -b, c],
        [a, -b, -c],
        [a, b, -c],
        [a, b, c],
      ],
      u: [0, 0, -1],
      v: [0, 1, 0],
    },
    {
      normal: [-1, 0, 0],
      corners: [
        [-a, -b, -c],
        [-a, -b, c],
        [-a, b, c],
        [-a, b, -c],
      ],
      u: [0, 0, 1],
      v: [0, 1, 0],
    },
    {
      normal: [0, 1, 0],
      corners: [
        [-a, b, c],
        [a, b, c],
        [a, b, -c],
        [-a, b, -c],
      ],
      u: [1, 0, 0],
      v: [0, 0, -1],
    },
    {
      normal: [0, -1, 0],
      corners: [
        [-a, -b, -c],
        [a, -b, -c],
        [a, -b, c],
        [-a, -b, c],
      ],
      u: [1, 0, 0],
      v: [0, 0, 1],
    },
    {
      normal: [0, 0, 1],
      corners: [
        [-a, -b, c],
        [a, -b, c],
        [a, b, c],
        [-a, b, c],
      ],
      u: [1, 0, 0],
      v: [0, 1, 0],
    },
    {
      normal: [0, 0, -1],
      corners: [
        [a, -b, -c],
        [-a, -b, -c],
        [-a, b, -c],
        [a, b, -c],
      ],
      u: [-1, 0, 0],
      v: [0, 1, 0],
    },
  ];
}

const add = (p: Vec, q: Vec, s = 1): Vec => [p[0] + q[0] * s, p[1] + q[1] * s, p[2] + q[2] * s];

function render(shot: Shot): string {
  const yaw = (shot.yawDeg * Math.PI) / 180;
  const pitch = (shot.pitchDeg * Math.PI) / 180;
  const light: Vec = [0.35, 0.8, 0.5];
  const visible = faces(shot.product.size)
    .map((face, i) => ({ ...face, colour: shot.product.faces[i]!, n: rotate(face.normal, yaw, pitch) }))
    .filter((face) => face.n[2] > 1e-6);
  const all = visible.flatMap((f) => f.corners.map((p) => rotate(p, yaw, pitch)));
  const [minX, maxX] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const [minY, maxY] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  const scale = Math.min((shot.width * shot.fill) / (maxX - minX), (shot.height * shot.fill) / (maxY - minY));
  const project = (p: Vec) => {
    const r = rotate(p, yaw, pitch);
    const x = shot.width / 2 + (r[0] - (minX + maxX) / 2) * scale;
    const y = shot.height / 2 - (r[1] - (minY + maxY) / 2) * scale;
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  };
  const polygons = visible.map((face) => {
    const lambert = 0.45 + 0.55 * Math.max(0, face.n[0] * light[0] + face.n[1] * light[1] + face.n[2] * light[2]);
    const centre = face.corners.reduce((s, p) => add(s, p, 0.25), [0, 0, 0] as Vec);
    const extent = (axis: Vec) =>
      Math.max(
        ...face.corners.map((p) =>
          Math.abs((p[0] - centre[0]) * axis[0] + (p[1] - centre[1]) * axis[1] + (p[2] - centre[2]) * axis[2]),
        ),
      );
    const [eu, ev] = [extent(face.u), extent(face.v)];
    // A label: a light band across the face and a dark square in one corner (which corner tells the poses apart).
    const band = [
      add(add(centre, face.u, -eu * 0.8), face.v, -ev * 0.2),
      add(add(centre, face.u, eu * 0.8), face.v, -ev * 0.2),
      add(add(centre, face.u, eu * 0.8), face.v, ev * 0.15),
      add(add(centre, face.u, -eu * 0.8), face.v, ev * 0.15),
    ];
    const mark = [
      add(add(centre, face.u, eu * 0.3), face.v, ev * 0.4),
      add(add(centre, face.u, eu * 0.7), face.v, ev * 0.4),
      add(add(centre, face.u, eu * 0.7), face.v, ev * 0.8),
      add(add(centre, face.u, eu * 0.3), face.v, ev * 0.8),
    ];
    return [
      `<polygon points="${face.corners.map(project).join(" ")}" fill="${shade(face.colour, lambert)}"/>`,
      `<polygon points="${band.map(project).join(" ")}" fill="${shade("#f8f4e8", lambert)}"/>`,
      `<polygon points="${mark.map(project).join(" ")}" fill="${shade("#202020", lambert)}"/>`,
    ].join("");
  });
  const floorY = shot.height / 2 + ((maxY - minY) / 2) * scale;
  const shadowRx = ((maxX - minX) / 2) * scale * 0.9;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${shot.width}" height="${shot.height}">
<defs><filter id="soft" x="-50%" y="-50%" width="200%" height="200%"><feGaussianBlur stdDeviation="${(shot.height * 0.01).toFixed(1)}"/></filter></defs>
<rect width="100%" height="100%" fill="${shot.backdrop}"/>
<ellipse cx="${shot.width / 2}" cy="${(floorY - shot.height * 0.01).toFixed(1)}" rx="${shadowRx.toFixed(1)}" ry="${(shot.height * 0.012).toFixed(1)}" fill="#000" fill-opacity="0.18" filter="url(#soft)"/>
${polygons.join("\n")}
</svg>`;
}

const outDir = path.resolve(import.meta.dirname, "..", "tests", "fixtures", "packshots");
await mkdir(outDir, { recursive: true });
for (const shot of SHOTS) {
  const png = await sharp(Buffer.from(render(shot)))
    .flatten({ background: shot.backdrop })
    .png({ palette: true, colours: 64 })
    .toBuffer();
  await writeFile(path.join(outDir, `${shot.name}.png`), png);
  console.log(`${shot.name}.png ${shot.width}×${shot.height} ${(png.length / 1024).toFixed(0)} KiB`);
}
