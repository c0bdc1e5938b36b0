import { CompactSign, compactVerify } from "jose";
import { SIGNING_ALGORITHM, signingKeys } from "../auth/keys";

/**
 * An archive's signature: `manifest.jws`, a JWS over the manifest's SHA-256, signed with the
 * service's own key (the one its tokens are signed with; its previous key still verifies). The
 * manifest names every part's SHA-256, so a signature that verifies says the whole archive is as
 * this service wrote it. A restore trusts only a signed archive with what an owner must not
 * choose: the operator's metadata, and the organization id it names.
 */
export const SIGNATURE = "manifest.jws";

const TYPE = "org-service-archive+jws";

export async function signManifest(manifestSha256: string): Promise<string> {
  const { current } = await signingKeys();
  return new CompactSign(new TextEncoder().encode(JSON.stringify({ manifest_sha256: manifestSha256 })))
    .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: current.kid, typ: TYPE })
    .sign(current.privateKey);
}

/** Whether `jws` is this service's signature of a manifest of this SHA-256. */
export async function isSignatureOf(jws: string, manifestSha256: string): Promise<boolean> {
  try {
    const { payload, protectedHeader } = await compactVerify(jws.trim(), (await signingKeys()).verificationKeys, {
      algorithms: [SIGNING_ALGORITHM],
    });
    const claims = JSON.parse(new TextDecoder().decode(payload)) as { manifest_sha256?: unknown };
    return protectedHeader.typ === TYPE && claims.manifest_sha256 === manifestSha256;
  } catch {
    return false;
  }
}
