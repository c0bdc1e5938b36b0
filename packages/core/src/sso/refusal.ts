/**
 * Why a callback was refused: a short code for the dashboard's URL fragment, and a sentence for the
 * log. Neither quotes the provider's answer, a token or a claim.
 */
export class SsoLoginRefusedError extends Error {
  override readonly name = "SsoLoginRefusedError";
  constructor(
    readonly reason:
      | "unknown_sign_in"
      | "other_browser"
      | "provider_error"
      | "answer_refused"
      | "no_email"
      | "email_not_verified"
      | "email_outside_domains"
      | "account_unverified"
      | "not_allowed_by_policy"
      | "not_available",
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
