import { defineConfig } from "vitest/config";

// Tests run without the Remix Vite plugin: routes are exercised through real HTTP against a built
// server, and modules are imported directly.
export default defineConfig({
  test: {
    include: [
      "{app,lib,worker,devstore,tests,scripts,bench}/**/*.test.{ts,tsx}",
      "extensions/*/src/**/*.test.{ts,tsx}",
    ],
    exclude: ["node_modules/**", "worker/tuner/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Two files at a time, on any machine (vitest's default is one fewer than the cores: one on CI's two):
    // most tests wait on the servers and processes they start. Each test stack has its own database,
    // Redis key prefix, ports, blob folder and work folder.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
