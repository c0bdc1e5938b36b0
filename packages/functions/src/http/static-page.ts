import { httpEndpoint } from "./endpoint";
import { REVALIDATE, textResponse, type AssetSet } from "./static-assets";

/**
 * A function serving one HTML page and its versioned files: `GET <page>` answers the page (with
 * the files' hashed URLs filled in, revalidated on every load), `GET <prefix>{asset}` a file.
 */
export function staticPageHandler(options: {
  readonly page: string;
  /** Path prefix of the files, relative to the page (e.g. `docs/`). */
  readonly assetPrefix: string;
  readonly assets: AssetSet;
  readonly contentSecurityPolicy: Readonly<Record<string, string | undefined>>;
}) {
  const html = {
    contentType: "text/html; charset=utf-8",
    body: options.assets.fillUrls(options.page, options.assetPrefix),
  };
  return httpEndpoint(
    async (event) =>
      event.pathParameters?.asset === undefined
        ? textResponse(event, html, { cacheControl: REVALIDATE })
        : options.assets.respond(event),
    { body: "none", contentSecurityPolicy: options.contentSecurityPolicy },
  );
}
