/**
 * Files imported as text (packages/functions/text-imports.ts: the esbuild plugin when deployed, Vite's
 * support and a Vite plugin in tests, Node module hooks under `pnpm start`).
 */

/** `import text from "<file>?raw"`: the file's content as a string. */
declare module "*?raw" {
  const text: string;
  export default text;
}

/**
 * `import gzipped from "<file>?gzip"`: the base64 of the gzipped file, without its trailing
 * `sourceMappingURL` comment (see `Asset.gzipped` in http/static-assets.ts).
 */
declare module "*?gzip" {
  const gzippedBase64: string;
  export default gzippedBase64;
}
