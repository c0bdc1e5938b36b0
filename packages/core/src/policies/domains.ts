import { isIP } from "node:net";
import { domainToASCII } from "node:url";

/** A label of a host name in ASCII (punycode `xn--…` included): letters, digits, inner hyphens, 1–63 long. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** RFC 1035's limit for a whole name. */
const DOMAIN_MAX_LENGTH = 253;

/**
 * A domain name as a policy keeps it: lower-case ASCII, international names in punycode (the form
 * mail systems compare), through WHATWG's own conversion (`node:url` domainToASCII); or
 * `undefined` for anything that is not a mail domain. Refused: no dot (`localhost`, a bare TLD),
 * IP literals in any spelling (`127.0.0.1`, `0x7f.1`, `[::1]`) — a policy names domains, and an
 * address-literal mailbox is no domain's — wildcards and other characters no host name has,
 * percent-escapes (the conversion would decode them, so what is stored would differ from what was
 * typed), a trailing dot, empty labels, and an all-digit top-level label (never a real TLD).
 */
export function normalizedDomain(input: string): string | undefined {
  const trimmed = input.trim();
  if (trimmed.length === 0 || trimmed.length > DOMAIN_MAX_LENGTH || trimmed.includes("%")) return undefined;
  const ascii = domainToASCII(trimmed);
  if (ascii.length === 0 || ascii.length > DOMAIN_MAX_LENGTH || isIP(ascii) !== 0) return undefined;
  const labels = ascii.split(".");
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return undefined;
  if (/^\d+$/.test(labels.at(-1)!)) return undefined;
  return ascii;
}
