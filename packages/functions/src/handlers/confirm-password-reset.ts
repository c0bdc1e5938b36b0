import { confirmPasswordReset } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { parseBody, requestContextOf } from "../http/request";
import { passwordResetConfirmBody } from "../http/request-schemas";
import { json } from "../http/respond";

/** POST /auth/password-reset/confirm — public: the mailed link's token sets a new password and ends every session. */
export const handler = httpEndpoint(
  async (event) => {
    const { token, password } = parseBody(passwordResetConfirmBody, event);
    await confirmPasswordReset({ token, password }, requestContextOf(event));
    return json(200, { password_changed: true, sessions_ended: true });
  },
  { body: "json" },
);
