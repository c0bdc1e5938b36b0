import { updateOrganizationPolicies } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, parseBody, requestContextOf } from "../http/request";
import { policiesPatchBody } from "../http/policy-schemas";
import { json } from "../http/respond";
import { policiesView } from "../http/views";

/** PATCH /org/policies — protected (owners: `org:policies`): change any of the organization's security policies. */
export const handler = httpEndpoint(
  async (event) => {
    const actor = await authenticatedActor(event);
    const body = parseBody(policiesPatchBody, event);
    const policies = await updateOrganizationPolicies(
      actor,
      {
        requireMfa: body.require_mfa,
        minPasswordLength: body.min_password_length,
        invitationDomains: body.invitation_domains,
      },
      requestContextOf(event),
    );
    return json(200, policiesView(policies));
  },
  { body: "json" },
);
