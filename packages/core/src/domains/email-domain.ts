import { domainToASCII } from "node:url";

/*
 * The domain of an email address, apart from the rule for domains that are claimed or named by a
 * policy (names.ts): that rule carries the Public Suffix List (tldts, about 120 KB minified, loaded
 * at import), which every login, refresh and switch would otherwise load to read a domain.
 */

/**
 * Characters that the URL host parser behind `domainToASCII` reads as something else than part of
 * a name — a path (`a/b.com` → `a`), an escape (`ex%61mple.com` → `example.com`), credentials, a
 * port, an IPv6 literal — or that no name may hold: refused before it runs, so that what is
 * claimed is what was typed.
 */
export const NOT_IN_A_NAME = /[\s/\\%@:[\]?#<>^|"'`{}\p{C}]/u;

/**
 * The domain of an email address, as claims store theirs (lower-case ASCII), so that a user of
 * `ana@Bücher.de` matches the claim of `bücher.de` (`xn--bcher-kva.de`). An address whose domain
 * is no valid name gives it lower-cased as it is, which no claim equals.
 */
export function emailDomain(email: string): string {
  const domain = email
    .slice(email.lastIndexOf("@") + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, "");
  return (!NOT_IN_A_NAME.test(domain) && domainToASCII(domain)) || domain;
}
