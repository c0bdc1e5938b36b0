import { logout } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { authenticatedActor, requestContextOf } from "../http/request";
import { json } from "../http/respond";

/** POST /auth/logout — protected: the current session ends (its access and refresh tokens with it). */
export const handler = httpEndpoint(
  async (event) => {
    await logout(await authenticatedActor(event), requestContextOf(event));
    return json(200, { logged_out: true });
  },
  { body: "none" },
);
