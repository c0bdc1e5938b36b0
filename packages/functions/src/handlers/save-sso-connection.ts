import { saveSsoConnection } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseBody, requestContextOf } from "../http/request";
import { json } from "../http/respond";
import { saveSsoConnectionBody, ssoConnectionView } from "../http/sso-schemas";

/** PUT /org/sso — protected (owners, admins): create or replace the connection; the issuer is discovered first. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const body = parseBody(saveSsoConnectionBody, event);
    const connection = await saveSsoConnection(
      actor,
      {
        issuer: body.issuer,
        clientId: body.client_id,
        clientSecret: body.client_secret,
        scopes: body.scopes,
        emailClaim: body.email_claim,
        nameClaim: body.name_claim,
      },
      requestContextOf(event),
    );
    return json(200, ssoConnectionView(connection));
  },
  { body: "json" },
);
