// ESLint: typescript-eslint's type-checked rules for the server, tests, benchmarks and console, an
// import rule that finds import circles, and the rule that keeps `src/core/` free of I/O.
// `npm test` runs it (scripts/lint.mjs); `npx eslint .` runs it by hand.
import js from "@eslint/js";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import { importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/** Modules that do I/O (or start it): `src/core/` computes and imports none of them. */
const IO_MODULES = [
  "fs", "fs/promises", "child_process", "net", "http", "https", "worker_threads", "os", "dgram", "tls", "cluster",
  "readline", "process",
].flatMap((m) => [m, `node:${m}`]);
const IO_PACKAGES = ["better-sqlite3", "pg", "pg-copy-streams", "fastify", "@fastify/*", "pino", "@duckdb/*", "exceljs", "commander", "cli-progress"];

export default tseslint.config(
  { ignores: ["dist/**", "web/dist/**", "node_modules/**", "sluice-home/**", "test-results/**", ".bench-cache/**", "native/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["*.js", ".*.cjs", "bin/*.js", "scripts/*.mjs"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { "import-x": importX },
    settings: {
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: ["tsconfig.json", "web/tsconfig.json"] })],
      "import-x/extensions": [".ts", ".tsx", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts", ".tsx"] },
    },
    rules: {
      // node:test's describe/it/test return promises the runner itself awaits.
      "@typescript-eslint/no-floating-promises": [
        "error",
        { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["describe", "it", "test", "suite", "before", "after", "beforeEach", "afterEach"] }] },
      ],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      // Narrowed where it helps; the type system already says what `any` would hide.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/restrict-template-expressions": "off",
      "@typescript-eslint/no-base-to-string": "off",
      "@typescript-eslint/only-throw-error": "error",
    },
  },
  {
    files: ["src/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: IO_MODULES.map((name) => ({ name, message: "src/core/ does no I/O: move this to a module outside core/." })),
          patterns: [{ group: IO_PACKAGES, message: "src/core/ does no I/O: move this to a module outside core/." }],
        },
      ],
      "import-x/no-restricted-paths": [
        "error",
        { zones: [{ target: "./src/core", from: "./src", except: ["./core"], message: "src/core/ imports nothing outside core/." }] },
      ],
      "no-restricted-globals": ["error", { name: "process", message: "src/core/ does no I/O: pass values in." }, { name: "fetch", message: "src/core/ does no I/O." }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", module: "writable" } },
  },
);
