/**
 * Content-Security-Policy of an HTML page this API serves. The shared security headers
 * (@middy/http-security-headers) default to a policy for JSON answers: no script, no style,
 * `sandbox`, and `upgrade-insecure-requests`, which would break the local server's plain-HTTP
 * pages. A page states what it needs; everything not named stays at those strict defaults
 * (`default-src 'none'`, `frame-ancestors 'none'`, `base-uri 'none'`, `form-action 'none'`, …).
 */
export function pagePolicy(
  directives: Readonly<Record<string, string | undefined>>,
): Record<string, string | undefined> {
  return {
    sandbox: undefined,
    "upgrade-insecure-requests": undefined,
    // Deprecated, never enforced by browsers; and no reporting endpoint is configured.
    "navigate-to": undefined,
    "report-to": undefined,
    ...directives,
  };
}
