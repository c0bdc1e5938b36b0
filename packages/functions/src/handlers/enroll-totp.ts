import { enrollTotp } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, requestContextOf } from "../http/request";
import { json } from "../http/respond";
import { totpEnrollmentView } from "../http/views";

/** POST /me/mfa/totp — protected: a TOTP secret and its QR code, pending until a code is verified. */
export const handler = httpEndpoint(
  async (event) =>
    json(200, totpEnrollmentView(await enrollTotp(await authenticatedActor(event), requestContextOf(event)))),
  { body: "none" },
);
