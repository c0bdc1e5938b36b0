import { listOrganizationClients } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor } from "../http/request";
import { json } from "../http/respond";
import { clientView } from "../http/views";

/** GET /org/clients — protected: the organization's machine clients, never their secrets. */
export const handler = httpEndpoint(
  async (event) => {
    const clients = await listOrganizationClients(await authenticatedActor(event));
    return json(200, { clients: clients.map(clientView) });
  },
  { body: "none" },
);
