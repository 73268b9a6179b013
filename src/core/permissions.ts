/**
 * Who may do what: named permissions, the built-in roles that bundle them, and the grants that give
 * a caller (a person, a token, a key) a role's permissions in one project, every project, or some
 * environments of a project. Pure: the routes' table (http/route-permissions.ts), the command
 * pipeline's authorise step and the services all ask `holds`.
 */
import type { Actor } from './audit.js';

/**
 * Permissions within a project. Those marked per environment are checked against the environment a
 * request or command works in, so a grant narrowed to some environments holds them only there.
 */
export const PROJECT_PERMISSIONS = {
  'project.read': 'See the project: flags, segments, experiments, schedules, history, exports',
  'flag.evaluate': 'Evaluate flags and send events (per environment)',
  'config.read': "Download an environment's whole configuration, segments' user lists included (per environment)",
  'flag.write': "Create, change and delete flags; a flag's settings per environment",
  'segment.write': 'Create, change and delete segments',
  'schedule.manage': 'Schedule and cancel changes (per environment)',
  'experiment.manage': 'Create, start and stop experiments (per environment)',
  'release.manage': 'Run guarded releases (per environment)',
  'environment.manage': 'Create, rename, reorder and delete environments',
  'environment.promote': "Promote settings into an environment (per environment: the target's)",
  'project.manage': "Change the project's name, description and settings, import into it, delete it",
  'key.manage': "Create and revoke the project's API keys",
  'webhook.manage': "Create, change and delete the project's webhooks; read their deliveries",
  'member.manage': 'Grant and remove roles in the project; invite accounts',
  'change_request.approve': 'Approve change requests (per environment)',
  'change_request.bypass': 'Apply held changes without approval (per environment)',
} as const;

/** Permissions over the whole service, held only by grants on every project (owners, global admin keys). */
export const GLOBAL_PERMISSIONS = {
  'project.create': 'Create projects',
  'account.manage': "Deactivate accounts, reset passwords, make owners; see everyone's sessions",
  'service_account.manage': 'Create, change and delete service accounts',
  'metrics.read': "Read /metrics, which names every project's flags",
} as const;

export type ProjectPermission = keyof typeof PROJECT_PERMISSIONS;

/** The permissions a grant narrowed to some environments holds only there; the others it holds project-wide. */
export const PER_ENVIRONMENT: ReadonlySet<Permission> = new Set<Permission>([
  'flag.evaluate',
  'config.read',
  'flag.write',
  'schedule.manage',
  'experiment.manage',
  'release.manage',
  'environment.promote',
  'change_request.approve',
  'change_request.bypass',
]);
export type GlobalPermission = keyof typeof GLOBAL_PERMISSIONS;
export type Permission = ProjectPermission | GlobalPermission;

export const PERMISSIONS = { ...PROJECT_PERMISSIONS, ...GLOBAL_PERMISSIONS } as Record<Permission, string>;
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

const isGlobal = (permission: Permission): permission is GlobalPermission => permission in GLOBAL_PERMISSIONS;

const PROJECT_PERMISSION_NAMES = Object.keys(PROJECT_PERMISSIONS) as ProjectPermission[];

/** The built-in roles. An owner holds everything everywhere; the others are granted per project. */
export const ROLES = {
  owner: { description: 'Everything, in every project, accounts included', permissions: PERMISSION_NAMES },
  admin: { description: 'Everything in the project', permissions: PROJECT_PERMISSION_NAMES },
  editor: {
    description: 'Flags, segments, schedules, experiments and releases; approves change requests',
    permissions: [
      'project.read',
      'flag.evaluate',
      'config.read',
      'flag.write',
      'segment.write',
      'schedule.manage',
      'experiment.manage',
      'release.manage',
      'change_request.approve',
    ],
  },
  viewer: { description: 'Reads the project and evaluates its flags', permissions: ['project.read', 'flag.evaluate'] },
} as const satisfies Record<string, { description: string; permissions: readonly Permission[] }>;

export type RoleKey = keyof typeof ROLES;
/** The roles granted per project (an owner is global). */
export const PROJECT_ROLES = ['admin', 'editor', 'viewer'] as const satisfies readonly RoleKey[];
export type ProjectRole = (typeof PROJECT_ROLES)[number];

/** Some permissions in one project (or every project: projectId null), maybe only in some of its environments. */
export interface Grant {
  projectId: number | null;
  /** Null: every environment, present and future. */
  environmentIds: readonly number[] | null;
  permissions: ReadonlySet<Permission>;
}

export const grantOf = (
  role: RoleKey,
  projectId: number | null,
  environmentIds: readonly number[] | null = null,
): Grant => ({ projectId, environmentIds, permissions: new Set<Permission>(ROLES[role].permissions) });

/** Everything, everywhere: owners, global admin keys, ADMIN_API_KEY, the open service, the service's own jobs. */
export const EVERYTHING: readonly Grant[] = [grantOf('owner', null)];

/**
 * Where a permission is asked for: globally (no project), in a project as a whole (no environment:
 * what belongs to no environment, such as a flag's definition), in one environment, or in every
 * environment of the project (deleting a flag removes it from all of them).
 */
export type Place = { projectId: null } | { projectId: number; environmentId?: number | 'every' };

function covers(grant: Grant, permission: Permission, place: Place): boolean {
  if (place.projectId === null) return grant.projectId === null && grant.environmentIds === null;
  if (grant.projectId !== null && grant.projectId !== place.projectId) return false;
  const environment = 'environmentId' in place && PER_ENVIRONMENT.has(permission) ? place.environmentId : undefined;
  if (environment === undefined || grant.environmentIds === null) return true;
  return environment !== 'every' && grant.environmentIds.includes(environment);
}

/** Whether the grants give the permission at that place. */
export function holds(grants: readonly Grant[], permission: Permission, place: Place): boolean {
  if (isGlobal(permission) && place.projectId !== null) place = { projectId: null };
  return grants.some((grant) => grant.permissions.has(permission) && covers(grant, permission, place));
}

/** Whether the grants give the permission anywhere at all: what a route's guard asks before it knows the place. */
export function holdsAnywhere(grants: readonly Grant[], permission: Permission): boolean {
  return grants.some(
    (grant) =>
      grant.permissions.has(permission) &&
      (!isGlobal(permission) || (grant.projectId === null && grant.environmentIds === null)),
  );
}

/** Whether the grants reach the project at all: one they do not reach answers as missing, so names do not leak. */
export const reachesProject = (grants: readonly Grant[], projectId: number): boolean =>
  grants.some((grant) => grant.projectId === null || grant.projectId === projectId);

/** The projects where the grants give the permission (in some environment at least): all, or these ids. */
export function projectsWhere(grants: readonly Grant[], permission: Permission): 'all' | ReadonlySet<number> {
  const ids = new Set<number>();
  for (const grant of grants) {
    if (!grant.permissions.has(permission)) continue;
    if (grant.projectId === null) return 'all';
    ids.add(grant.projectId);
  }
  return ids;
}

/**
 * What a route needs: a permission, checked where the request works (its project and environment,
 * once addressed; the command's, for changes); `signed_in`: any caller with a valid credential, the
 * route deciding the rest; `public`: anyone, no credential read.
 */
export type RoutePermission = Permission | 'signed_in' | 'public';

/** Whether the grants give the permission for what belongs to this project (or to none: null). */
export function sees(grants: readonly Grant[], permission: Permission, projectId: number | null): boolean {
  const where = projectsWhere(grants, permission);
  return where === 'all' || (projectId !== null && where.has(projectId));
}

/** Who is calling, and what they may do. */
export interface Principal extends Actor {
  grants: readonly Grant[];
  /**
   * What requests that name no project or environment address: an API key's binding (its project,
   * and an evaluate or server key's one environment); null for everyone else.
   */
  projectId: number | null;
  environmentId: number | null;
  /** Identifies the caller to the rate limiter. */
  rateLimitKey: string;
  /** How refusals name the caller: 'This API key (server)', 'Account "ada@example.com"'. */
  described: string;
}

/** The service's own jobs (the scheduler, an import at start): everything, recorded under their name. */
export const systemPrincipal = (name: string): Principal => ({
  keyId: null,
  name,
  accountId: null,
  signedInBy: 'system',
  grants: EVERYTHING,
  projectId: null,
  environmentId: null,
  rateLimitKey: `system:${name}`,
  described: name,
});
