/**
 * The shape of the house, checked by `npm test` (test/lint.test.ts): no import circle anywhere, type-only
 * imports included; `src/core/` imports nothing outside itself; connectors never import the sync engine
 * that runs them; stores never import what stands on them; nothing imports the server or the CLI.
 * Run by hand: `npx depcruise src bench test --config .dependency-cruiser.cjs`.
 */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Two modules that import each other (also through types) are one module in two files.",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-imports-only-core",
      severity: "error",
      comment: "src/core/ is the pure centre: everything may use it, it uses nothing but itself and pure packages.",
      from: { path: "^src/core/" },
      to: { pathNot: ["^src/core/", "^node_modules/(luxon|zod)/", "^node_modules/@types/luxon/"], dependencyTypesNot: ["core"] },
    },
    {
      name: "sources-do-not-import-sync",
      severity: "error",
      comment: "Connectors are run by the sync engine; they never import it.",
      from: { path: "^src/sources/" },
      to: { path: "^src/sync/" },
    },
    {
      name: "edges-are-the-top",
      severity: "error",
      comment: "The HTTP server and the CLI stand on everything else; nothing under them imports them.",
      from: { path: "^src/", pathNot: "^src/(server|cli)/" },
      to: { path: "^src/(server|cli)/" },
    },
    {
      name: "store-stands-alone",
      severity: "error",
      comment: "Stores are the floor: they import the core, the query layer and their drivers, nothing above.",
      from: { path: "^src/store/" },
      to: { path: "^src/(server|cli|app|jobs|export|sync|sources|reports|backup|sql|delivery)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".js"] },
    exclude: { path: ["^dist/", "^web/dist/"] },
  },
};
