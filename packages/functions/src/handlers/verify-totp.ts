import { verifyTotpEnrollment } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseBody, requestContextOf } from "../http/request";
import { verifyTotpBody } from "../http/request-schemas";
import { json } from "../http/respond";

/** POST /me/mfa/totp/verify — protected: a code from the pending secret enables two-factor login; recovery codes, once. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { code } = parseBody(verifyTotpBody, event);
    const { recoveryCodes } = await verifyTotpEnrollment(actor, { code }, requestContextOf(event));
    return json(200, { enabled: true, recovery_codes: recoveryCodes });
  },
  { body: "json" },
);
