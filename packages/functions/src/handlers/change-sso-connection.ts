import { changeSsoConnection } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseBody, requestContextOf } from "../http/request";
import { json } from "../http/respond";
import { changeSsoConnectionBody, ssoConnectionView } from "../http/sso-schemas";

/** PATCH /org/sso — protected (owners, admins): enable, disable, enforce single sign-on. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const { enabled, enforced } = parseBody(changeSsoConnectionBody, event);
    const connection = await changeSsoConnection(actor, { enabled, enforced }, requestContextOf(event));
    return json(200, ssoConnectionView(connection));
  },
  { body: "json" },
);
