import { getMe } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor } from "../http/request";
import { json } from "../http/respond";
import { meView } from "../http/views";

/** GET /me — protected: who the caller is, and every organization they belong to. */
export const handler = httpEndpoint(async (event) => json(200, meView(await getMe(await authenticatedActor(event)))), {
  body: "none",
});
