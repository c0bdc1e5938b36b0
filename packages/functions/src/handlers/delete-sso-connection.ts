import { deleteSsoConnection } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, requestContextOf } from "../http/request";
import { json } from "../http/respond";

/** DELETE /org/sso — protected (owners, admins): the connection and its sealed secret go. */
export const handler = httpEndpoint(
  async (event) => {
    await deleteSsoConnection(await authenticatedActor(event), requestContextOf(event));
    return json(200, { deleted: true });
  },
  { body: "none" },
);
