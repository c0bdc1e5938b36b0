import { createOrganizationClient } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseBody, requestContextOf } from "../http/request";
import { createClientBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { createdClientView } from "../http/views";

/** POST /org/clients — protected: a machine client of the organization, with its first secret (shown once). */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { name, scopes } = parseBody(createClientBody, event);
    const client = await createOrganizationClient(actor, { name, scopes }, requestContextOf(event));
    return json(201, createdClientView(client));
  },
  { body: "json" },
);
