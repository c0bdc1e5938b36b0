import { verifyEmail } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { parseBody, requestContextOf } from "../http/request";
import { verifyEmailBody } from "../http/request-schemas";
import { json } from "../http/respond";

/** POST /auth/verify-email — public: the mailed link's token verifies the address it was sent to. */
export const handler = httpEndpoint(
  async (event) => {
    const { token } = parseBody(verifyEmailBody, event);
    const { email } = await verifyEmail({ token }, requestContextOf(event));
    return json(200, { email, email_verified: true });
  },
  { body: "json" },
);
