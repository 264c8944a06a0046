// ESLint for the app, worker, scripts and tests: the rule sets the Shopify app template extends
// (ESLint and typescript-eslint recommended, React, React hooks, jsx-a11y), with Prettier owning
// formatting. The layering rule (what may import what) is a test: lib/layers.test.ts.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import jsxA11y from "eslint-plugin-jsx-a11y";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/",
      "build/",
      ".cache/",
      "data/",
      ".venv/",
      "test-artifacts/",
      "public/build/",
      "lib/db/generated/",
      "lib/shopify-admin/generated.ts",
      "worker/tuner/",
      // written by `shopify app generate extension`
      "extensions/*/shopify.d.ts",
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser, shopify: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
    },
  },
  {
    files: ["**/*.tsx"],
    ...react.configs.flat.recommended,
    rules: {
      ...react.configs.flat.recommended.rules,
      ...react.configs.flat["jsx-runtime"].rules,
      // App Bridge's save bar and modal buttons take these attributes (<button variant="primary">).
      "react/no-unknown-property": ["error", { ignore: ["variant", "loading"] }],
    },
    settings: { react: { version: "detect" } },
  },
  {
    files: ["**/*.tsx"],
    ...jsxA11y.flatConfigs.recommended,
  },
  {
    files: ["**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: { "react-hooks/rules-of-hooks": "error", "react-hooks/exhaustive-deps": "warn" },
  },
  {
    // Test code reads untyped JSON answers (GraphQL, API routes) and asserts on their shape.
    files: ["tests/**", "**/*.test.{ts,tsx}", "devstore/test-store.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  prettier,
);
