import * as z from "zod/mini";
import { atLeastOneOf, PASSWORD_MAX_BYTES, PASSWORD_MIN_BYTES } from "../validation";
import { mailDomainSchema } from "../domains/names";

/**
 * The rules of each policy, shared by core's input and the HTTP request body (which names the
 * fields in snake_case): so no caller can set a policy the service would not enforce.
 */

/** At most this many invitation domains: a policy names an organization's own few, not a registry. */
export const INVITATION_DOMAINS_MAX = 50;

export const requireMfaSchema = z.boolean();

/**
 * Counted as the service's floor is, in bytes of UTF-8 (one per ASCII character), from that floor
 * up to bcrypt's 72: above it no password could be accepted at all (longer ones are refused, never
 * truncated). `null` puts the floor back.
 */
export const minPasswordLengthSchema = z.nullable(
  z
    .int()
    .check(
      z.gte(PASSWORD_MIN_BYTES, `must be at least ${PASSWORD_MIN_BYTES}, the service's own minimum`),
      z.lte(
        PASSWORD_MAX_BYTES,
        `must be at most ${PASSWORD_MAX_BYTES}: passwords are at most ${PASSWORD_MAX_BYTES} bytes (bcrypt's limit)`,
      ),
    ),
);

/** One domain: checked as claimed domains are, then kept as lower-case ASCII (punycode for international names). */
export const invitationDomainSchema = mailDomainSchema;

/** The domains invitations may go to, each once, in the order given; empty: any domain. */
export const invitationDomainsSchema = z.pipe(
  z
    .array(invitationDomainSchema)
    .check(z.maxLength(INVITATION_DOMAINS_MAX, `must list at most ${INVITATION_DOMAINS_MAX} domains`)),
  z.transform((domains: string[]) => [...new Set(domains)]),
);

const policiesPatchFields = z.strictObject({
  requireMfa: z.optional(requireMfaSchema),
  minPasswordLength: z.optional(minPasswordLengthSchema),
  invitationDomains: z.optional(invitationDomainsSchema),
});

/** A change of some of the policies: the fields absent stay as they are. */
export const policiesPatchInputSchema = policiesPatchFields.check(
  atLeastOneOf<z.output<typeof policiesPatchFields>>(["requireMfa", "minPasswordLength", "invitationDomains"]),
);
export type PoliciesPatchInput = z.input<typeof policiesPatchInputSchema>;
