import sharp from "sharp";
const b = await sharp({ create: { width: 32, height: 32, channels: 3, background: "red" } }).withIccProfile("srgb").withExif({ IFD0: { Software: "SceneBooth (ESRGAN medium x4)", ImageDescription: "a teapot" } }).png().toBuffer();
const m = await sharp(b).metadata(); console.log(m.exif?.length, JSON.stringify(m.exif?.toString("latin1")));
const j = await sharp({ create: { width: 32, height: 32, channels: 3, background: "red" } }).withExif({ IFD0: { Software: "SceneBooth x", ImageDescription: "a teapot" } }).jpeg().toBuffer();
console.log(JSON.stringify((await sharp(j).metadata()).exif?.toString("latin1")));
