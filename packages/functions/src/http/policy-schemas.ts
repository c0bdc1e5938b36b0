import {
  atLeastOneOf,
  INVITATION_DOMAINS_MAX,
  invitationDomainsSchema,
  minPasswordLengthSchema,
  PASSWORD_MAX_BYTES,
  PASSWORD_MIN_BYTES,
  requireMfaSchema,
} from "@org-service/core";
import * as z from "zod/mini";
import { meta } from "./schema-meta";

/*
 * The body of `PATCH /org/policies`, in a module of its own rather than in request-schemas.ts: its
 * invitation domains are checked by core's domain rule, which carries the public suffix list
 * (tldts, about 120 KB minified), and only this route's function needs it. Every handler imports
 * request-schemas.ts, and a bundle keeps every schema a module it imports builds at load (zod's
 * constructors are not marked free of side effects), so there it would weigh on every cold start.
 */

const policiesPatchFields = z.strictObject({
  require_mfa: meta(z.optional(requireMfaSchema), {
    description:
      "Every member must log in with a second factor: one without gets tokens that only enroll one, from their next login, accept, switch or refresh.",
  }),
  min_password_length: meta(z.optional(minPasswordLengthSchema), {
    description: `The least bytes of UTF-8 (one per ASCII character) of a password members set from now on, ${PASSWORD_MIN_BYTES}–${PASSWORD_MAX_BYTES}; \`null\`: the service's own ${PASSWORD_MIN_BYTES}. A member whose password is shorter is asked at their next password login to choose a new one.`,
    example: 12,
  }),
  invitation_domains: meta(z.optional(invitationDomainsSchema), {
    description: `The email domains invitations may go to, at most ${INVITATION_DOMAINS_MAX}: domain names with a dot (no IP address), kept as lower-case ASCII (punycode for international names), matched exactly (a subdomain is another domain); \`[]\`: any.`,
    example: ["acme.example"],
  }),
});

/** Any subset of the policies: the others stay as they are. */
export const policiesPatchBody = meta(
  policiesPatchFields.check(
    atLeastOneOf<z.output<typeof policiesPatchFields>>(["require_mfa", "min_password_length", "invitation_domains"]),
  ),
  {
    id: "PoliciesPatch",
    example: { require_mfa: true, min_password_length: 12, invitation_domains: ["acme.example"] },
  },
);
