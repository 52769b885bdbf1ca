// ESLint (npm run lint, make lint): the recommended rules, with each folder's real globals.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["dist/", "node_modules/"] },
  js.configs.recommended,
  {
    // scriptd's host side and the linter's CLI: CommonJS under Node.
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
    rules: { "no-unused-vars": ["error", { caughtErrors: "none", argsIgnorePattern: "^_", ignoreRestSiblings: true }] },
  },
  {
    // Evaluated inside the isolates: the runtime gives each module `require`, `module`, `exports` and
    // `bridge`, and nothing of Node.
    files: ["src/isolate/**/*.js"],
    languageOptions: {
      globals: { ...globals.es2021, ...globals.commonjs, bridge: "readonly", Buffer: "off", process: "off" },
    },
  },
  {
    // Also bundled into the editor page.
    files: ["lint/**/*.js"],
    languageOptions: { globals: { ...globals.commonjs } },
  },
  { files: ["**/*.mjs"], languageOptions: { sourceType: "module", globals: { ...globals.node } } },
];
