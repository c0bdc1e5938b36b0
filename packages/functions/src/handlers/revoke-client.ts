import { revokeOrganizationClient } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath, requestContextOf } from "../http/request";
import { clientIdPath } from "../http/request-schemas";
import { json } from "../http/respond";

/** DELETE /org/clients/{client_id} — protected: the client and every token it holds stop working. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { client_id } = parsePath(clientIdPath, event);
    await revokeOrganizationClient(actor, client_id, requestContextOf(event));
    return json(200, { revoked: true });
  },
  { body: "none" },
);
