import { getTenantCollection } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor } from "../http/request";
import { json } from "../http/respond";
import { tenantCollectionView } from "../http/views";

/** GET /org/collection — protected: the caller's own tenant collection, its name and document count. */
export const handler = httpEndpoint(
  async (event) =>
    json(
      200,
      tenantCollectionView(await getTenantCollection(await authenticatedActor(event, { readOrganization: true }))),
    ),
  { body: "none" },
);
