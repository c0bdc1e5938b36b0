import { addClientSecret } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parsePath, requestContextOf } from "../http/request";
import { clientIdPath } from "../http/request-schemas";
import { json } from "../http/respond";
import { issuedSecretView } from "../http/views";

/** POST /org/clients/{client_id}/secrets — protected: a second secret, for rotation (shown once). */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { client_id } = parsePath(clientIdPath, event);
    return json(201, issuedSecretView(await addClientSecret(actor, client_id, requestContextOf(event))));
  },
  { body: "none" },
);
