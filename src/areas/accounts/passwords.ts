import { hash, verify } from '@node-rs/argon2';

/**
 * argon2id with OWASP's minimum (19 MiB, 2 passes, 1 lane): about 15 ms a hash on this machine's
 * cores, so a sign-in costs a person nothing and a guesser a great deal.
 */
const OWASP_ARGON2ID = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, OWASP_ARGON2ID);

// Verified against when the email is unknown, so that answer takes as long as a wrong password.
const UNKNOWN_ACCOUNT_HASH = hashPassword('no account has this password');

/** Whether the password matches; with no stored hash (unknown email, none set yet) it is compared anyway, and fails. */
export async function passwordMatches(stored: string | null, password: string): Promise<boolean> {
  const matches = await verify(stored ?? (await UNKNOWN_ACCOUNT_HASH), password).catch(() => false);
  return stored !== null && matches;
}
