/**
 * Who may call the API cross-origin: read at deploy time by the SST stack (API Gateway answers
 * preflights from it), by the local server (which answers them the same way), and at run time by
 * the functions' CORS middleware (http/cors.ts) for the headers on their answers. Free of runtime
 * imports on purpose, like secret-names.ts: synthesis must not load Middy or any handler.
 *
 * `CORS_ALLOWED_ORIGINS` is a comma-separated list of origins (`*` for any, `https://*.example.com`
 * patterns allowed). Empty, the default, means no cross-origin access at all.
 */
export function allowedOrigins(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.CORS_ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
}

export const ALLOWED_HEADERS = ["authorization", "content-type"];
export const EXPOSED_HEADERS = ["retry-after", "www-authenticate"];

/** Whether a preflight from `origin` is allowed: exact origins, `*`, or `*` standing for one DNS label. */
export function isAllowedOrigin(origin: string | undefined, allowed: readonly string[] = allowedOrigins()): boolean {
  if (!origin) return false;
  return allowed.some((pattern) => {
    if (pattern === "*" || pattern === origin) return true;
    if (!pattern.includes("*")) return false;
    const expression = pattern.replaceAll(".", "\\.").replaceAll("*", "[^.]*");
    return new RegExp(`^${expression}$`).test(origin);
  });
}
