import { requestPasswordReset } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { parseBody, requestContextOf } from "../http/request";
import { passwordResetBody } from "../http/request-schemas";
import { json } from "../http/respond";

/**
 * POST /auth/password-reset — public: mails a reset link if the address has an account. The
 * answer is the same either way, in about the same time (core waits out MAIL_REQUEST_MIN_MILLISECONDS).
 */
export const handler = httpEndpoint(
  async (event) => {
    const { email } = parseBody(passwordResetBody, event);
    await requestPasswordReset({ email }, requestContextOf(event));
    return json(202, { message: "If the address has an account, a link to set a new password is on its way." });
  },
  { body: "json" },
);
