import { resendEmailVerification } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, requestContextOf } from "../http/request";
import { json } from "../http/respond";

/** POST /me/verify-email — protected: a new verification link for the caller's address. */
export const handler = httpEndpoint(
  async (event) => {
    const { email, mailSent } = await resendEmailVerification(await authenticatedActor(event), requestContextOf(event));
    return json(202, { email, mail_sent: mailSent });
  },
  { body: "none" },
);
