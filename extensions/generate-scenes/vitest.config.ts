import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The extension's logic tests on their own: `npx vitest run --config extensions/generate-scenes/vitest.config.ts`.
export default defineConfig({
  test: { root: fileURLToPath(new URL(".", import.meta.url)), include: ["src/**/*.test.ts"] },
});
