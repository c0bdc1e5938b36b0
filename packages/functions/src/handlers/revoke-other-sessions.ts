import { revokeOtherSessions } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, requestContextOf } from "../http/request";
import { json } from "../http/respond";

/** DELETE /me/sessions — protected: end every session of the caller but the current one. */
export const handler = httpEndpoint(
  async (event) =>
    json(200, { revoked: await revokeOtherSessions(await authenticatedActor(event), requestContextOf(event)) }),
  { body: "none" },
);
