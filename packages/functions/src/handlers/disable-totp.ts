import { disableTotp } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseBody, requestContextOf } from "../http/request";
import { disableTotpBody } from "../http/request-schemas";
import { json } from "../http/respond";

/** DELETE /me/mfa/totp — protected: two-factor login off, proven with a current code or the password. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const body = parseBody(disableTotpBody, event);
    await disableTotp(actor, body, requestContextOf(event));
    return json(200, { disabled: true });
  },
  { body: "json" },
);
