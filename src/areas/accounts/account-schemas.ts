import { z } from 'zod';
import type { Account, Membership, PersonalToken, Session } from '../../core/accounts.js';
import { PERMISSIONS, PERMISSION_NAMES, PROJECT_ROLES, ROLES, type RoleKey } from '../../core/permissions.js';
import { keySchema, storableText } from '../../http/common-schemas.js';

const emailSchema = z.email().max(254).describe('Unique whatever its case');
const nameSchema = storableText(z.string().trim().min(1).max(100)).describe(
  'As others see it in the dashboard and the audit log',
);
// NIST SP 800-63B-4: at least 15 characters for a password that is the only factor; no composition rules.
const passwordSchema = z.string().min(15).max(256).describe('15 characters at least: a passphrase is best');
const tokenSchema = z.string().min(20).max(200).describe("The link's token");

export const loginBodySchema = z
  .strictObject({ email: emailSchema, password: z.string().min(1).max(256) })
  .meta({ id: 'Login', example: { email: 'ada@example.com', password: 'correct horse battery staple' } });

export const setupBodySchema = z
  .strictObject({ token: tokenSchema, email: emailSchema, name: nameSchema, password: passwordSchema })
  .meta({ id: 'Setup', description: 'The first owner, with the setup link the service printed in its log' });

export const acceptLinkBodySchema = z
  .strictObject({
    token: tokenSchema,
    name: nameSchema.optional().describe("For an invitation: the name to go by (the inviter's choice when left out)"),
    password: passwordSchema,
  })
  .meta({ id: 'AcceptLink', description: 'An invitation or a password reset, used: sets the password' });

export const inviteBodySchema = z
  .strictObject({
    email: emailSchema,
    name: nameSchema,
    owner: z.boolean().default(false).describe('Owners hold every permission everywhere; only owners make owners'),
  })
  .meta({ id: 'Invite', example: { email: 'grace@example.com', name: 'Grace Hopper', owner: false } });

export const updateAccountBodySchema = z
  .strictObject({ name: nameSchema.optional(), owner: z.boolean().optional() })
  .refine((body) => Object.keys(body).length > 0, 'Nothing to change: give name or owner')
  .meta({ id: 'UpdateAccount' });

export const accountParamsSchema = z.object({ id: z.uuid() });
export const sessionParamsSchema = z.object({ id: z.uuid() });
export const memberParamsSchema = z.object({ project: keySchema, account_id: z.uuid() });
export const sessionsQuerySchema = z.object({
  account_id: z.uuid().optional().describe("Another account's sessions: needs account.manage"),
});

export const setMemberBodySchema = z
  .strictObject({
    role: z.enum(PROJECT_ROLES),
    environments: z
      .array(keySchema)
      .min(1)
      .max(100)
      .nullable()
      .default(null)
      .describe(
        'Only in these environments for what is per environment (settings, schedules, experiments); null: in all',
      ),
  })
  .meta({ id: 'SetMember', example: { role: 'editor', environments: ['development', 'staging'] } });

export const accountSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    status: z.enum(['active', 'deactivated']),
    owner: z.boolean(),
    invitation_pending: z.boolean().describe('Invited, and no password set yet'),
    created_at: z.string().describe('ISO 8601, UTC'),
    last_seen_at: z
      .string()
      .nullable()
      .describe('ISO 8601, UTC; the last request of any of its sessions, to the minute'),
  })
  .meta({ id: 'Account' });

export const linkSchema = z
  .object({
    token: z.string().describe('Shown once: only its hash is stored'),
    url: z.string().describe('The dashboard page that uses it: hand it over to the person'),
    expires_at: z.string().describe('ISO 8601, UTC'),
  })
  .meta({ id: 'OneTimeLink' });

export const invitedSchema = z.object({ account: accountSchema, invitation: linkSchema }).meta({ id: 'Invited' });

export const sessionSchema = z
  .object({
    id: z.string(),
    current: z.boolean().describe('The session of this request'),
    created_at: z.string(),
    last_seen_at: z.string(),
    expires_at: z.string().describe('At the latest: idle sessions end sooner'),
    address: z.string().nullable(),
    user_agent: z.string().nullable(),
  })
  .meta({ id: 'Session' });

const permissionNamesSchema = z.array(z.enum(PERMISSION_NAMES as [string, ...string[]]));

export const meSchema = z
  .object({
    signed_in_by: z.enum(['session', 'token', 'api_key', 'admin_api_key', 'open']),
    account: accountSchema.nullable().describe('null for API keys and open access'),
    name: z.string(),
    global_permissions: permissionNamesSchema.describe('Held in every project, and over the service'),
    projects: z
      .array(
        z.object({
          project: z.string(),
          role: z.string().nullable().describe('The role granted; null for an API key'),
          environments: z.array(z.string()).nullable().describe('Where per-environment permissions hold; null: all'),
          permissions: permissionNamesSchema,
        }),
      )
      .describe('What is held per project, besides the global permissions'),
  })
  .meta({ id: 'Me' });

export const signedInSchema = z.object({ account: accountSchema }).meta({ id: 'SignedIn' });

export const roleSchema = z
  .object({ key: z.string(), description: z.string(), global: z.boolean(), permissions: permissionNamesSchema })
  .meta({ id: 'Role' });

export const permissionSchema = z.object({ name: z.string(), description: z.string() }).meta({ id: 'Permission' });

export const rolesSchema = z.object({ roles: z.array(roleSchema), permissions: z.array(permissionSchema) });

export const memberSchema = z
  .object({
    account: accountSchema,
    role: z.enum(PROJECT_ROLES),
    environments: z.array(z.string()).nullable(),
  })
  .meta({ id: 'Member' });

export function toAccountResponse(account: Account): z.infer<typeof accountSchema> {
  return {
    id: account.id,
    email: account.email ?? '',
    name: account.name,
    status: account.status,
    owner: account.owner,
    invitation_pending: !account.hasPassword,
    created_at: account.createdAt.toISOString(),
    last_seen_at: account.lastSeenAt?.toISOString() ?? null,
  };
}

export function toSessionResponse(session: Session, currentId: string | undefined): z.infer<typeof sessionSchema> {
  return {
    id: session.id,
    current: session.id === currentId,
    created_at: session.createdAt.toISOString(),
    last_seen_at: session.lastSeenAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    address: session.address,
    user_agent: session.userAgent,
  };
}

export function toMemberResponse(
  account: Account,
  membership: Membership,
  environmentKey: (id: number) => string | undefined,
): z.infer<typeof memberSchema> {
  return {
    account: toAccountResponse(account),
    role: membership.role,
    environments:
      membership.environmentIds?.flatMap((id) => {
        const key = environmentKey(id);
        return key === undefined ? [] : [key];
      }) ?? null,
  };
}

export const rolesResponse = (): z.infer<typeof rolesSchema> => ({
  roles: (Object.keys(ROLES) as RoleKey[]).map((key) => ({
    key,
    description: ROLES[key].description,
    global: key === 'owner',
    permissions: [...ROLES[key].permissions],
  })),
  permissions: PERMISSION_NAMES.map((name) => ({ name, description: PERMISSIONS[name] })),
});

export const createTokenBodySchema = z
  .strictObject({
    name: nameSchema.describe('What uses it, e.g. "release pipeline"'),
    expires_at: z.iso.datetime({ offset: true }).nullable().default(null).describe('ISO 8601; null: until revoked'),
  })
  .meta({ id: 'CreatePersonalToken', example: { name: 'release pipeline', expires_at: '2027-03-01T00:00:00Z' } });

export const tokenParamsSchema = z.object({ id: z.uuid() });

export const personalTokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe('The first characters of the secret, to tell tokens apart'),
    created_at: z.string(),
    expires_at: z.string().nullable(),
    last_used_at: z.string().nullable().describe('To the minute'),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: 'PersonalToken' });

export const createdTokenSchema = personalTokenSchema
  .extend({
    secret: z.string().describe('Send as "Authorization: Bearer <secret>". Shown only in this response: store it now'),
  })
  .meta({ id: 'CreatedPersonalToken' });

export const toTokenResponse = (token: PersonalToken): z.infer<typeof personalTokenSchema> => ({
  id: token.id,
  name: token.name,
  prefix: token.prefix,
  created_at: token.createdAt.toISOString(),
  expires_at: token.expiresAt?.toISOString() ?? null,
  last_used_at: token.lastUsedAt?.toISOString() ?? null,
  revoked_at: token.revokedAt?.toISOString() ?? null,
});
