import { updateOrganization } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseBody, requestContextOf } from "../http/request";
import { updateOrganizationBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { updateResultView } from "../http/views";

/** PUT /org/update — protected: rename the organization and/or change the caller's credentials. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const body = parseBody(updateOrganizationBody, event);
    const result = await updateOrganization(
      actor,
      {
        organizationName: body.organization_name,
        newOrganizationName: body.new_organization_name,
        email: body.email,
        password: body.password,
        currentPassword: body.current_password,
      },
      requestContextOf(event),
    );
    // A credential change revokes the caller's token; the answer carries its replacement.
    return json(200, updateResultView(result));
  },
  { body: "json" },
);
