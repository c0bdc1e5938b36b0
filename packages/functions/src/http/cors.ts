import httpCors from "@middy/http-cors";
import { allowedOrigins, EXPOSED_HEADERS } from "../deployment/cors-settings";

/**
 * CORS headers on every answer, for the origins in `CORS_ALLOWED_ORIGINS`
 * (deployment/cors-settings.ts). Read when the handler module loads: a plain setting, never a
 * secret, and the same for the life of the container.
 */
export function cors() {
  return httpCors({ origins: allowedOrigins(), exposeHeaders: EXPOSED_HEADERS.join(",") });
}
