import { acceptInvitation, authenticateOptionally } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { bearerToken, parseBody, requestContextOf } from "../http/request";
import { acceptInvitationBody } from "../http/request-schemas";
import { json } from "../http/respond";
import { loginResultView } from "../http/views";

/**
 * POST /invitations/accept — public: the invitation's token is the credential. An existing user
 * proves who they are with their password or their bearer token (verified here: no authorizer
 * runs on a public route). Answers like a login, for the organization joined.
 */
export const handler = httpEndpoint(
  async (event) => {
    const body = parseBody(acceptInvitationBody, event);
    const caller = await authenticateOptionally(bearerToken(event));
    const result = await acceptInvitation(body, requestContextOf(event), caller);
    return json(200, loginResultView(result));
  },
  { body: "json" },
);
