import { authenticateOptionally, confirmEmailChange } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { bearerToken, parseBody, requestContextOf } from "../http/request";
import { confirmEmailBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { emailChangedView } from "../http/views";

/**
 * POST /auth/confirm-email — public: the link mailed to the new address switches the user to it.
 * With the user's bearer token (verified here: no authorizer runs on a public route), that session
 * continues under the new credentials.
 */
export const handler = httpEndpoint(
  async (event) => {
    const { token } = parseBody(confirmEmailBody, event);
    const caller = await authenticateOptionally(bearerToken(event));
    return json(200, emailChangedView(await confirmEmailChange({ token }, requestContextOf(event), caller)));
  },
  { body: "json" },
);
