import { exchangeSsoHandoff } from "@org-service/core";
import { httpEndpoint } from "../http/endpoint";
import { parseBody, requestContextOf } from "../http/request";
import { json } from "../http/respond";
import { exchangeSsoBody } from "../http/sso-schemas";
import { loginAnswerView } from "../http/views";

/** POST /auth/sso/exchange — public: a completed single sign-on's code and verifier for a session's tokens, once. */
export const handler = httpEndpoint(
  async (event) => {
    const { code, verifier } = parseBody(exchangeSsoBody, event);
    return json(200, loginAnswerView(await exchangeSsoHandoff({ code, verifier }, requestContextOf(event))));
  },
  { body: "json" },
);
