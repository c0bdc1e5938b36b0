/**
 * Generates an RS256 signing key for a stage and prints the commands that install it.
 *
 *   pnpm exec tsx infra/scripts/generate-signing-key.ts --stage <stage> [--rotate]
 *
 * The key is a private JWK (RSA 2048) whose `kid` is its RFC 7638 thumbprint, the id the service
 * publishes in its JWKS and puts in every token header. Nothing is written to disk; the printed
 * commands contain the private key, so run them from a trusted shell and clear its history.
 *
 * With `--rotate`, it prints the three-step rotation instead (see docs/deploy.md, "Rotating the signing key"): API Gateway
 * caches the JWKS for up to two hours, so the new key is published before it signs anything, and
 * the old one stays published until the tokens it signed have expired.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

const stage = option("stage");
const rotate = process.argv.includes("--rotate");
if (!stage || !/^[A-Za-z][A-Za-z0-9-]*$/.test(stage)) {
  console.error("usage: generate-signing-key.ts --stage <stage> [--rotate]");
  process.exit(2);
}

const { privateKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
const jwk = await exportJWK(privateKey);
const kid = await calculateJwkThumbprint(jwk);
const secret = JSON.stringify({ ...jwk, kid, alg: "RS256", use: "sig" });

/** POSIX single-quoting: the JWK holds no single quote, but never trust that blindly. */
const quote = (value: string) => `'${value.replaceAll("'", `'"'"'`)}'`;
const set = (name: string, value: string) => `npx sst secrets set ${name} ${quote(value)} --stage ${stage}`;

const envLine = (name: string, value: string) => `${name}=${quote(value)}`;

const lines = [`# New signing key for stage "${stage}": kid ${kid}`, ""];
if (rotate) {
  lines.push(
    "# 1. Publish the new key ahead of time (JWKS: current + new; the current key keeps signing):",
    set("JWT_PREVIOUS_KEY", secret),
    "",
    "# 2. At least 2 hours later (every cached JWKS now has the new key), swap in one reload:",
    "#    sign with the new key, keep publishing the old one for the tokens it signed.",
    "(umask 077 && {",
    `  printf '%s\\n' ${quote(envLine("JWT_PRIVATE_KEY", secret))}`,
    `  printf "JWT_PREVIOUS_KEY='%s'\\n" "$(npx sst secrets get JWT_PRIVATE_KEY --stage ${stage})"`,
    `} > .rotate-${stage}.env && npx sst secrets load .rotate-${stage}.env --stage ${stage}; rm -f .rotate-${stage}.env)`,
    "",
    "# 3. Once the old key's tokens have expired (JWT_TTL_SECONDS, 1 hour by default), stop publishing it:",
    `npx sst secrets set JWT_PREVIOUS_KEY none --stage ${stage}`,
  );
} else {
  lines.push(
    set("JWT_PRIVATE_KEY", secret),
    "",
    "# No previous key yet. Once for the whole app (every stage without its own value), unless done:",
    "npx sst secrets set --fallback JWT_PREVIOUS_KEY none",
  );
}
console.log(lines.join("\n"));
