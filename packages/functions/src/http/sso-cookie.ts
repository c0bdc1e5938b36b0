import { config } from "@org-service/core";

/** The cookie that binds a single sign-on to the browser that started it (sso/login.ts). */
export const SSO_COOKIE = "org_service_sso";

/**
 * Only the callback reads it (its path), scripts never (HttpOnly), and it travels on the provider's
 * top-level redirect back (SameSite=Lax) but not on other sites' requests; Secure wherever the
 * service is served over https.
 */
export function ssoCookie(pair: string, maxAgeSeconds: number): string {
  const secure = config().jwt.issuer.startsWith("https://") ? "; Secure" : "";
  return `${pair}; Path=/auth/sso/callback; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
}
