import httpCors from "@middy/http-cors";

/**
 * CORS from configuration: `CORS_ALLOWED_ORIGINS`, a comma-separated list of origins (`*` for
 * any, `https://*.example.com` patterns allowed). Empty — the default — means no cross-origin
 * access at all. Read when the handler module loads: a plain setting, never a secret, and the
 * same for the life of the container. Preflight requests are answered by API Gateway (and the
 * local server) with the same list.
 */
export function allowedOrigins(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.CORS_ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((origin) => origin.trim())
    .filter(Boolean);
}

export const ALLOWED_HEADERS = ["authorization", "content-type"];
export const EXPOSED_HEADERS = ["retry-after", "www-authenticate"];

export function cors() {
  return httpCors({ origins: allowedOrigins(), exposeHeaders: EXPOSED_HEADERS.join(",") });
}

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
