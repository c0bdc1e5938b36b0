import { isIP } from "node:net";
import { domainToASCII } from "node:url";
import { parse } from "tldts";
import * as z from "zod/mini";
import { ValidationError } from "../errors";
import { NOT_IN_A_NAME } from "./email-domain";

/** The longest domain name DNS carries, in its dotted ASCII form (RFC 1035 §2.3.4, less the root's dot). */
export const DOMAIN_MAX_LENGTH = 253;

/** Where the TXT record that proves a claim is published: `_org-service-verification.<domain>`. */
export const VERIFICATION_RECORD_PREFIX = "_org-service-verification";

export const recordNameOf = (domain: string): string => `${VERIFICATION_RECORD_PREFIX}.${domain}`;

/**
 * The longest domain that may be claimed: its verification record's name, 26 characters longer,
 * must still be a name DNS carries, or the claim could never be verified.
 */
export const CLAIMABLE_MAX_LENGTH = DOMAIN_MAX_LENGTH - recordNameOf("").length;

/** A label of a host name once in ASCII: letters, digits and inner hyphens, 1–63 of them (RFC 1123). */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** What differs between the places a domain is kept: how long it may be (and why), and what a trailing dot means. */
interface DomainUse {
  readonly maxLength: number;
  readonly because: string;
  /**
   * A claim is of a DNS name, where `acme.example.` (fully qualified) is `acme.example`; a policy
   * names mail domains, whose addresses never end with a dot — there it is a typing mistake.
   */
  readonly trailingDot: "dropped" | "refused";
}
/** A claimed domain's verification record's name, 26 characters longer, must still be a name DNS carries. */
const CLAIM: DomainUse = {
  maxLength: CLAIMABLE_MAX_LENGTH,
  because: `, so that ${recordNameOf("<domain>")} fits DNS's ${DOMAIN_MAX_LENGTH}`,
  trailingDot: "dropped",
};
const POLICY: DomainUse = { maxLength: DOMAIN_MAX_LENGTH, because: "", trailingDot: "refused" };

/**
 * What is wrong with `input` as a mail domain, or the domain in its stored form: lower-case ASCII
 * (IDNA's punycode for a name in another script, by `node:url`'s domainToASCII), without a
 * trailing dot, at least two labels, as long as `use` allows, no IP address, and not a public suffix
 * (`com`, `co.uk`, `github.io`: anyone may register under one, so nobody's mail is "theirs" — the
 * list is tldts's copy of the Public Suffix List, its ICANN and private sections both). One rule
 * for the domains organizations claim and those their invitation policy names, so that a domain
 * one of them takes the other takes too.
 */
function checkDomain(input: string, use: DomainUse): { readonly domain: string } | { readonly problem: string } {
  const trimmed = input.trim();
  if (use.trailingDot === "refused" && trimmed.endsWith(".")) return { problem: "must not end with a dot" };
  const typed = trimmed.replace(/\.$/, "");
  if (typed === "") return { problem: "must not be empty" };
  if (typed.length > DOMAIN_MAX_LENGTH * 4) return { problem: `must be at most ${DOMAIN_MAX_LENGTH} characters` };
  if (NOT_IN_A_NAME.test(typed)) return { problem: "must be a domain name, without a scheme, port, path or spaces" };
  if (isIP(typed)) return { problem: "must be a domain name, not an IP address" };
  const domain = domainToASCII(typed.toLowerCase());
  if (domain === "") return { problem: "is not a valid domain name" };
  if (domain.length > use.maxLength) return { problem: `must be at most ${use.maxLength} characters${use.because}` };
  const labels = domain.split(".");
  // The URL parser reads `1.2.3` and `0x7f.1` as IPv4 addresses and rewrites them: a name's last label is never numeric.
  if (isIP(domain) || /^(\d+|0x[0-9a-f]*)$/.test(labels.at(-1)!))
    return { problem: "must be a domain name, not an IP address" };
  if (labels.length < 2) return { problem: "must have at least two labels, as example.com has" };
  if (!labels.every((label) => LABEL.test(label)))
    return { problem: "must be made of labels of letters, digits and inner hyphens, 1–63 characters each" };
  if (parse(domain, { allowPrivateDomains: true }).domain === null)
    return { problem: "is a public suffix, under which anyone may register a name" };
  return { domain };
}

/** The stored form of a domain to claim (see {@link checkDomain}), or a ValidationError on `domain` saying what is wrong. */
export function normalizeDomain(input: string): string {
  const checked = checkDomain(input, CLAIM);
  if ("problem" in checked) throw new ValidationError([{ path: "domain", message: checked.problem }]);
  return checked.domain;
}

/** Checked and normalized in one pass: a refusal is the field's issue, else the stored form. */
const domainSchemaFor = (use: DomainUse) =>
  z.pipe(
    z.string(),
    z.transform((input: string, context) => {
      const checked = checkDomain(input, use);
      if ("domain" in checked) return checked.domain;
      context.issues.push({ code: "custom", input, message: checked.problem });
      return z.NEVER;
    }),
  );

/** A domain to claim as an input carries it, normalized as {@link normalizeDomain} does: for core's inputs and the HTTP bodies. */
export const domainSchema = domainSchemaFor(CLAIM);

/** A mail domain named by a policy (invitation domains): the same rule, without a verification record to fit in DNS. */
export const mailDomainSchema = domainSchemaFor(POLICY);
