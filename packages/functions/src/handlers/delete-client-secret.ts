import { deleteClientSecret } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath, requestContextOf } from "../http/request";
import { clientSecretPath } from "../http/request-schemas";
import { json } from "../http/respond";

/** DELETE /org/clients/{client_id}/secrets/{secret_id} — protected: the old secret stops working. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { client_id, secret_id } = parsePath(clientSecretPath, event);
    await deleteClientSecret(actor, client_id, secret_id, requestContextOf(event));
    return json(200, { deleted: true });
  },
  { body: "none" },
);
