import { createOrganization } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { parseBody, requestContextOf } from "../http/request";
import { createOrganizationBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { organizationView } from "../http/views";

/** POST /org/create — a new organization, its admin and its tenant collection. */
export const handler = httpEndpoint(
  async (event) => {
    const body = parseBody(createOrganizationBody, event);
    const organization = await createOrganization(
      {
        organizationName: body.organization_name,
        email: body.email,
        password: body.password,
      },
      requestContextOf(event),
    );
    return json(201, organizationView(organization));
  },
  { body: "json" },
);
