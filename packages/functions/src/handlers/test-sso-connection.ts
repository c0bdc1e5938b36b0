import { testSsoConnection } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, requestContextOf } from "../http/request";
import { json } from "../http/respond";
import { ssoConnectionTestView } from "../http/sso-schemas";

/** POST /org/sso/test — protected (owners, admins): discover the provider again and read its keys. */
export const handler = httpEndpoint(
  async (event) =>
    json(200, ssoConnectionTestView(await testSsoConnection(await authenticatedActor(event), requestContextOf(event)))),
  { body: "none" },
);
