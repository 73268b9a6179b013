/**
 * The dashboard's only way to the service: its public REST API, with the key the person pasted.
 * One function per call the pages make, typed after the OpenAPI document's schemas, so whatever the
 * dashboard does, curl can do too.
 */
import { session } from './session.js';
import type { components } from './generated/openapi.js';

/** The API's own schemas (web/src/generated/openapi.ts, generated from the service's OpenAPI document). */
type Schemas = components['schemas'];

/** The API's problem details; those the dashboard makes itself (the service unreachable) have no type. */
export type Problem = Omit<Schemas['Problem'], 'type'> & { type?: string };

/** A refused call, with the API's problem details (RFC 9457). */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
}

export type Environment = Schemas['Environment'];
export type Project = Schemas['Project'];
export type JsonValue = Schemas['JsonValue'];
export type Flag = Schemas['Flag'];
export type Rule = Flag['rules'][number];
export type Override = Flag['overrides'][number];
export type Condition = Rule['conditions'][number];
export type Prerequisite = Flag['prerequisites'][number];
export type Variant = Flag['variants'][number];
export type FlagKind = Flag['kind'];
/** A change of one environment's settings, with rules as flags show them (a rule for any user has segment null). */
export type SettingsChange = Omit<Schemas['UpdateFlagSettings'], 'rules'> & { rules?: Rule[] };
export type Impact = Schemas['Impact'];
export type Evaluation = Schemas['FlagEvaluation'];
/** Every flag's answer for one user, by name. */
export type FlagAnswers = Schemas['UserFlagDetails']['flags'];
export type Segment = Schemas['Segment'];
export type ApiKey = Schemas['ApiKey'];
export type AuditEntry = Schemas['AuditEntry'];
export type Schedule = Schemas['Schedule'];
export type Promotion = Schemas['Promotion'];
export type FieldChange = Promotion['flags'][number]['changes'][number];
export type FlagDefinition = Schemas['FlagDefinition'];
export type FlagEnvironmentDiff = Schemas['FlagEnvironmentDiff'];
export type ImportResult = Schemas['ImportResult'];
export type Webhook = Schemas['Webhook'];
export type Account = Schemas['Account'];
export type Member = Schemas['Member'];
export type OneTimeLink = Schemas['OneTimeLink'];
export type Session = Schemas['Session'];
export type PersonalToken = Schemas['PersonalToken'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type Experiment = Schemas['Experiment'];
export type Metric = Experiment['metrics'][number];
export type Results = Schemas['ExperimentResults'];
export type MetricVariant = Results['metrics'][number]['variants'][number];
/** Each statistic is null when it could not be computed from the data (the metric's warnings say why). */
export type Relative = NonNullable<MetricVariant['relative']>;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = session.key();
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError({ status: 0, title: 'Network error', detail: 'The service cannot be reached' });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (!response.ok) throw refusal(response, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A refused answer as an ApiError, with the API's problem details when it sent them. */
function refusal(response: Response, text: string): ApiError {
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return new ApiError(
    parsed && typeof parsed === 'object'
      ? {
          status: response.status,
          title: (parsed as Problem).title ?? response.statusText,
          detail: (parsed as Problem).detail ?? '',
          ...parsed,
        }
      : { status: response.status, title: response.statusText, detail: text },
  );
}

/** An export as the API writes it, JSON or YAML, as text to save to a file. */
async function download(path: string, accept: string): Promise<string> {
  const key = session.key();
  const response = await fetch(path, { headers: { accept, ...(key ? { authorization: `Bearer ${key}` } : {}) } });
  const text = await response.text();
  if (!response.ok) throw refusal(response, text);
  return text;
}

/** Rules as the API takes them: a rule for any user has no segment (the API answers such rules with null). */
const withRuleInputs = (change: SettingsChange) =>
  change.rules === undefined
    ? change
    : {
        ...change,
        rules: change.rules.map(({ segment, ...rule }) => (segment === null ? rule : { ...rule, segment })),
      };

const q = (params: Record<string, string | number | boolean | undefined>) => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};
const e = encodeURIComponent;

/** The calls one project and environment make: most pages work on one. */
export function scoped(project: string, environment: string) {
  const env = `/projects/${e(project)}/environments/${e(environment)}`;
  return {
    flags: (filter: { q?: string; tag?: string; stale?: boolean } = {}) =>
      call<Schemas['FlagPage']>('GET', `${env}/flags${q(filter)}`),
    flag: (name: string) => call<Flag>('GET', `${env}/flags/${e(name)}`),
    updateSettings: (name: string, change: SettingsChange) =>
      call<Flag>('PATCH', `${env}/flags/${e(name)}`, withRuleInputs(change)),
    impact: (name: string, change: SettingsChange) =>
      call<Impact>('POST', `${env}/flags/${e(name)}/impact`, withRuleInputs(change)),
    evaluate: (name: string, user_id: string, attributes: Record<string, JsonValue>) =>
      call<Evaluation>('POST', `${env}/evaluate/${e(name)}`, { user_id, attributes }),
    schedules: (name: string) => call<Schedule[]>('GET', `${env}/flags/${e(name)}/schedules`),
    schedule: (name: string, at: string, set: Schemas['CreateSchedule']['set']) =>
      call<Schedule>('POST', `${env}/flags/${e(name)}/schedules`, { at, set }),
    cancelSchedule: (name: string, id: string) => call<void>('DELETE', `${env}/flags/${e(name)}/schedules/${e(id)}`),
    promote: (from: string, dryRun: boolean) => call<Promotion>('POST', `${env}/promote`, { from, dry_run: dryRun }),
    experiments: () => call<Experiment[]>('GET', `${env}/experiments`),
    experiment: (key: string) => call<Experiment>('GET', `${env}/experiments/${e(key)}`),
    createExperiment: (input: Schemas['CreateExperiment']) => call<Experiment>('POST', `${env}/experiments`, input),
    startExperiment: (key: string) => call<Experiment>('POST', `${env}/experiments/${e(key)}/start`),
    stopExperiment: (key: string) => call<Experiment>('POST', `${env}/experiments/${e(key)}/stop`),
    results: (key: string) => call<Results>('GET', `${env}/experiments/${e(key)}/results?series=daily`),
    streamUrl: `${env}/stream`,
  };
}

export const api = {
  /** Every flag for a user in the key's own environment (what an evaluate key may do). */
  evaluateForKey: (user_id: string, attributes: Record<string, JsonValue>) =>
    call<Schemas['UserFlagDetails']>('POST', '/evaluate', { user_id, attributes }),
  /** Who the dashboard is signed in as, and what they may do where. */
  me: () => call<Schemas['Me']>('GET', '/auth/me'),
  /** Sets the session cookie (HttpOnly: this page never sees it). */
  login: (email: string, password: string) => call<Schemas['SignedIn']>('POST', '/auth/login', { email, password }),
  logout: () => call<void>('POST', '/auth/logout'),
  setUp: (input: Schemas['Setup']) => call<Schemas['SignedIn']>('POST', '/auth/setup', input),
  acceptLink: (input: Schemas['AcceptLink']) => call<Schemas['SignedIn']>('POST', '/auth/invitations/accept', input),
  accounts: () => call<Account[]>('GET', '/accounts'),
  invite: (input: Schemas['Invite']) => call<Schemas['Invited']>('POST', '/accounts', input),
  newInvitation: (id: string) => call<OneTimeLink>('POST', `/accounts/${e(id)}/invitation`),
  passwordReset: (id: string) => call<OneTimeLink>('POST', `/accounts/${e(id)}/password-reset`),
  deactivate: (id: string) => call<Account>('DELETE', `/accounts/${e(id)}`),
  members: (project: string) => call<Member[]>('GET', `/projects/${e(project)}/members`),
  setMember: (project: string, id: string, input: Schemas['SetMember']) =>
    call<Member>('PUT', `/projects/${e(project)}/members/${e(id)}`, input),
  removeMember: (project: string, id: string) => call<void>('DELETE', `/projects/${e(project)}/members/${e(id)}`),
  sessions: () => call<Session[]>('GET', '/auth/sessions'),
  endSession: (id: string) => call<void>('DELETE', `/auth/sessions/${e(id)}`),
  tokens: () => call<PersonalToken[]>('GET', '/auth/tokens'),
  createToken: (name: string) =>
    call<PersonalToken & { secret: string }>('POST', '/auth/tokens', { name, expires_at: null }),
  revokeToken: (id: string) => call<PersonalToken>('DELETE', `/auth/tokens/${e(id)}`),
  projects: () => call<Project[]>('GET', '/projects'),
  createProject: (input: Schemas['CreateProject']) => call<Project>('POST', '/projects', input),
  updateProject: (project: string, input: Schemas['UpdateProject']) =>
    call<Project>('PATCH', `/projects/${e(project)}`, input),
  deleteProject: (project: string) => call<void>('DELETE', `/projects/${e(project)}${q({ confirm: project })}`),
  createEnvironment: (project: string, input: Schemas['CreateEnvironment']) =>
    call<Environment>('POST', `/projects/${e(project)}/environments`, input),
  updateEnvironment: (project: string, environment: string, input: Schemas['UpdateEnvironment']) =>
    call<Environment>('PATCH', `/projects/${e(project)}/environments/${e(environment)}`, input),
  deleteEnvironment: (project: string, environment: string) =>
    call<void>('DELETE', `/projects/${e(project)}/environments/${e(environment)}${q({ confirm: environment })}`),
  definition: (project: string, name: string) =>
    call<FlagDefinition>('GET', `/projects/${e(project)}/flags/${e(name)}`),
  definitions: (project: string) => call<Schemas['FlagDefinitionPage']>('GET', `/projects/${e(project)}/flags`),
  flagDiff: (project: string, name: string, from: string, to: string) =>
    call<FlagEnvironmentDiff>('GET', `/projects/${e(project)}/flags/${e(name)}/diff${q({ from, to })}`),
  promoteFlag: (project: string, name: string, from: string, to: string) =>
    call<Promotion>('POST', `/projects/${e(project)}/flags/${e(name)}/promote`, { from, to }),
  exportProject: (project: string, format: 'json' | 'yaml') =>
    download(`/projects/${e(project)}/export`, format === 'yaml' ? 'application/yaml' : 'application/json'),
  importProject: (project: string, input: Schemas['Import']) =>
    call<ImportResult>('POST', `/projects/${e(project)}/import`, input),
  webhooks: () => call<Webhook[]>('GET', '/webhooks'),
  createWebhook: (input: Schemas['CreateWebhook']) => call<Schemas['CreatedWebhook']>('POST', '/webhooks', input),
  updateWebhook: (id: string, input: Schemas['UpdateWebhook']) => call<Webhook>('PATCH', `/webhooks/${e(id)}`, input),
  deleteWebhook: (id: string) => call<void>('DELETE', `/webhooks/${e(id)}`),
  deliveries: (id: string, cursor?: string) =>
    call<Schemas['WebhookDeliveryPage']>('GET', `/webhooks/${e(id)}/deliveries${q({ cursor })}`),
  retryDelivery: (id: string, delivery: string) =>
    call<WebhookDelivery>('POST', `/webhooks/${e(id)}/deliveries/${e(delivery)}/retry`),
  pingWebhook: (id: string) => call<WebhookDelivery>('POST', `/webhooks/${e(id)}/ping`),
  createFlag: (project: string, input: Schemas['CreateFlagDefinition']) =>
    call<Schemas['FlagDefinition']>('POST', `/projects/${e(project)}/flags`, input),
  updateDefinition: (project: string, name: string, input: Schemas['UpdateFlagDefinition']) =>
    call<Schemas['FlagDefinition']>('PATCH', `/projects/${e(project)}/flags/${e(name)}`, input),
  segments: (project: string) => call<Segment[]>('GET', `/projects/${e(project)}/segments`),
  /** Conditions as the editor holds them, as flags show them: the API checks each operator. */
  createSegment: (project: string, input: Omit<Schemas['CreateSegment'], 'conditions'> & { conditions: Condition[] }) =>
    call<Segment>('POST', `/projects/${e(project)}/segments`, input),
  deleteSegment: (project: string, name: string) => call<void>('DELETE', `/projects/${e(project)}/segments/${e(name)}`),
  keys: () => call<ApiKey[]>('GET', '/api-keys'),
  createKey: (input: Schemas['CreateApiKey']) => call<Schemas['CreatedApiKey']>('POST', '/api-keys', input),
  revokeKey: (id: string) => call<void>('DELETE', `/api-keys/${e(id)}`),
  audit: (filter: {
    flag_name?: string;
    project?: string;
    actor?: string;
    since?: string;
    until?: string;
    cursor?: number;
  }) => call<Schemas['AuditPage']>('GET', `/audit${q({ ...filter, limit: 100 })}`),
};
