// The Shopify CLI's files agree with the project: shopify.web.toml runs npm scripts that exist,
// `npm run dev`/`deploy` call the CLI, and shopify.app.toml asks for the scopes and the auth callback
// the app uses.
import fs from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { loadConfig, projectRoot } from "../lib/config";

const read = (file: string) => fs.readFileSync(path.join(projectRoot, file), "utf8");
const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;

interface AppToml {
  client_id: string;
  embedded: boolean;
  build: { automatically_update_urls_on_dev: boolean; include_config_on_deploy: boolean };
  access_scopes: { scopes: string };
  auth: { redirect_urls: string[] };
}

describe("Shopify CLI configuration", () => {
  it("shopify.web.toml serves frontend and backend with npm scripts that exist", () => {
    const web = parse(read("shopify.web.toml")) as { roles: string[]; commands: Record<string, string> };
    expect(web.roles).toEqual(["frontend", "backend"]);
    expect(Object.keys(web.commands).sort()).toEqual(["dev", "predev"]);
    for (const command of Object.values(web.commands)) {
      const script = /^npm run ([\w:-]+)$/.exec(command)?.[1];
      expect(script && scripts[script], `${command} runs a package.json script`).toBeTruthy();
    }
  });

  it("npm run dev and deploy go through the CLI; the Vite dev server stays available", () => {
    expect(scripts).toMatchObject({
      dev: "shopify app dev",
      deploy: "shopify app deploy",
      "config:link": "shopify app config link",
      "dev:remix": "remix vite:dev",
    });
  });

  it("shopify.app.toml is ready for config link: scopes and callback as the app has them", () => {
    const app = parse(read("shopify.app.toml")) as unknown as AppToml;
    expect(app.client_id).toBeTruthy();
    expect(app.embedded).toBe(true);
    expect(app.build).toEqual({ automatically_update_urls_on_dev: true, include_config_on_deploy: true });
    expect(app.access_scopes.scopes.split(",")).toEqual(loadConfig({}).shopify.scopes);
    expect(app.auth.redirect_urls.every((u) => new URL(u).pathname === "/auth/callback")).toBe(true);
  });
});
