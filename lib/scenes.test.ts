import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { config } from "./config";
import { SCENES } from "./scenes";

describe("the scene catalog", () => {
  it("is the same in the app (lib/scenes.ts) and in the tuner (scenebooth_tuner/prompts.py)", () => {
    const python = execFileSync(
      config().python,
      ["-c", "import json; from scenebooth_tuner.prompts import SCENES; print(json.dumps(list(SCENES)))"],
      {
        encoding: "utf8",
      },
    );
    expect(SCENES.map((scene) => scene.text)).toEqual(JSON.parse(python));
    expect(SCENES.map((scene) => scene.kind)).toEqual([...Array(10).fill("general"), ...Array(10).fill("specific")]);
  });
});
