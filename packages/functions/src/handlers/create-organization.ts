import { authenticateOptionally, createOrganization } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { bearerToken, parseBody, requestContextOf } from "../http/request";
import { createOrganizationBody, createOrganizationForUserBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { organizationView } from "../http/views";

/**
 * POST /org/create — a new organization, its owner and its tenant collection. With a signed-in
 * user's bearer token (verified here: no authorizer runs on a public route), only the name: the
 * caller owns the new organization. Without one, the owner signs up with email and password.
 */
export const handler = httpEndpoint(
  async (event) => {
    const caller = await authenticateOptionally(bearerToken(event));
    if (caller) {
      const { organization_name } = parseBody(createOrganizationForUserBody, event);
      const organization = await createOrganization(
        { organizationName: organization_name },
        requestContextOf(event),
        caller,
      );
      return json(201, organizationView(organization));
    }
    const body = parseBody(createOrganizationBody, event);
    const organization = await createOrganization(
      { organizationName: body.organization_name, email: body.email, password: body.password },
      requestContextOf(event),
    );
    return json(201, organizationView(organization));
  },
  { body: "json" },
);
