// ESLint (npm run lint, make lint): the recommended rules; src/ runs in the browser, build.mjs in Node.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/"] },
  js.configs.recommended,
  {
    files: ["src/**/*.js"],
    languageOptions: { sourceType: "module", globals: { ...globals.browser } },
    rules: { "no-unused-vars": ["error", { caughtErrors: "none", argsIgnorePattern: "^_", ignoreRestSiblings: true }] },
  },
  { files: ["*.mjs"], languageOptions: { globals: { ...globals.node } } },
];
