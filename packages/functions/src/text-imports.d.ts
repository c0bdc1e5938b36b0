/**
 * `import text from "<file>?raw"`: the file's content as a string. Vite (vitest) supports it
 * natively; the deployed bundle gets it from infra/text-import-plugin.ts and `pnpm start` from
 * packages/local/src/text-import-hooks.ts.
 */
declare module "*?raw" {
  const text: string;
  export default text;
}
