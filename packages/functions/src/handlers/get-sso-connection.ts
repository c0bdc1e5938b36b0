import { getSsoConnection } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor } from "../http/request";
import { json } from "../http/respond";
import { ssoConnectionView } from "../http/sso-schemas";

/** GET /org/sso — protected (owners, admins): the organization's single sign-on connection, never its secret. */
export const handler = httpEndpoint(
  async (event) => json(200, ssoConnectionView(await getSsoConnection(await authenticatedActor(event)))),
  { body: "none" },
);
