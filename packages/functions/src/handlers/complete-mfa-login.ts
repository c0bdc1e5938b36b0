import { completeMfaLogin } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { parseBody, requestContextOf } from "../http/request";
import { completeMfaBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { loginResultView } from "../http/views";

/** POST /auth/mfa — public: the login's `mfa_token` and a code (or a recovery code) complete the login. */
export const handler = httpEndpoint(
  async (event) => {
    const body = parseBody(completeMfaBody, event);
    const result = await completeMfaLogin(
      { mfaToken: body.mfa_token, code: body.code, recoveryCode: body.recovery_code },
      requestContextOf(event),
    );
    return json(200, loginResultView(result));
  },
  { body: "json" },
);
