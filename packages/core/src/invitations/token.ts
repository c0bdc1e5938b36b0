import { hashRandomSecret, newRandomSecret } from "../random-secret";

/** An invitation's token: shown once to the inviter (where no mail is sent) and in the mail, stored only as its hash. */
export function newInvitationToken(): { token: string; hash: string } {
  const { secret, hash } = newRandomSecret();
  return { token: secret, hash };
}

export const hashInvitationToken = hashRandomSecret;
