/**
 * The dashboard's only way to the service: its public REST API, with the key the person pasted.
 * One function per call the pages make, typed after the OpenAPI document's schemas, so whatever the
 * dashboard does, curl can do too.
 */
import { session } from './session.js';

export interface Problem {
  status: number;
  title: string;
  detail: string;
  errors?: { location: string; pointer: string; detail: string }[];
  problems?: string[];
}

/** A refused call, with the API's problem details (RFC 9457). */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
}

export interface Environment {
  key: string;
  name: string;
  position: number;
}
export interface Project {
  key: string;
  name: string;
  description: string | null;
  environments: Environment[];
}
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export interface Condition {
  attribute: string;
  operator: string;
  value?: string | number | boolean | string[];
}
export interface Rule {
  segment: string | null;
  conditions: Condition[];
  rollout_percentage: number;
  variants: { key: string; weight: number }[];
}
export interface Override {
  user_id: string;
  enabled: boolean;
  variant: string | null;
}
export interface Prerequisite {
  flag: string;
  variant: string | null;
}
export interface Variant {
  key: string;
  weight: number;
  payload: JsonValue;
  value?: JsonValue;
}
export type FlagKind = 'release' | 'experiment' | 'operational' | 'kill_switch' | 'permission';
export interface Flag {
  flag_name: string;
  status: boolean;
  rollout_percentage: number;
  description: string | null;
  kind: FlagKind;
  tags: string[];
  value_type: 'boolean' | 'string' | 'number' | 'object';
  variants: Variant[];
  off_variant: string | null;
  rules: Rule[];
  overrides: Override[];
  prerequisites: Prerequisite[];
  created_at: string;
  updated_at: string;
}
export interface SettingsChange {
  status?: boolean;
  rollout_percentage?: number;
  variants?: { key: string; weight: number }[];
  rules?: Rule[];
  overrides?: Override[];
  prerequisites?: Prerequisite[];
}
export interface Impact {
  window_hours: number;
  users: number;
  turning_on: { count: number; examples: string[] };
  turning_off: { count: number; examples: string[] };
  changing_variant: { count: number; examples: string[] };
  unchanged: number;
}
export interface Evaluation {
  enabled: boolean;
  reason: string;
  bucket: number;
  variant: string | null;
  payload: JsonValue;
  value: JsonValue;
}
export interface Segment {
  name: string;
  description: string | null;
  conditions: Condition[];
  user_ids: string[];
}
export interface ApiKey {
  id: string;
  name: string;
  scope: 'admin' | 'server' | 'evaluate';
  project: string | null;
  environment: string | null;
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}
export interface AuditEntry {
  id: number;
  at: string;
  actor: { key_id: string | null; name: string };
  action: string;
  target_type: string;
  target: string;
  project: string | null;
  environment: string | null;
  before: Record<string, JsonValue> | null;
  after: Record<string, JsonValue> | null;
}
export interface Schedule {
  id: string;
  flag_name: string;
  at: string;
  set: { status?: boolean; rollout_percentage?: number };
  applied_at: string | null;
}
export interface FieldChange {
  field: string;
  change: 'added' | 'removed' | 'changed';
  before: JsonValue;
  after: JsonValue;
}
export interface Promotion {
  from: string;
  to: string;
  flags: { flag_name: string; changes: FieldChange[] }[];
  applied: boolean;
}
export interface Metric {
  key: string;
  event: string;
  type: 'binomial' | 'mean';
  window_hours: number | null;
  inverse: boolean;
}
export interface Experiment {
  key: string;
  flag_name: string;
  control: string;
  metrics: Metric[];
  hypothesis: string | null;
  status: 'draft' | 'running' | 'stopped';
  started_at: string | null;
  stopped_at: string | null;
}
/** Each statistic is null when it could not be computed from the data (the metric's warnings say why). */
export interface Relative {
  estimate: number | null;
  frequentist: { p_value: number | null; ci: [number, number] | null };
  bayesian: { chance_to_win: number | null; ci: [number, number] | null; risk: [number, number] | null };
}
export interface MetricVariant {
  key: string;
  users: number;
  conversions?: number;
  rate?: number;
  mean?: number;
  stddev?: number;
  interval: [number, number];
  relative?: Relative | null;
}
export interface Results {
  experiment: string;
  flag_name: string;
  status: Experiment['status'];
  computed_at: string;
  srm: { p_value: number | null; healthy: boolean | null };
  warnings: string[];
  variants: { key: string; weight: number; users: number }[];
  metrics: {
    metric: string;
    type: 'binomial' | 'mean';
    variants: MetricVariant[];
    warnings: string[];
    series?: {
      key: string;
      points: { date: string; users: number; conversions?: number; rate?: number; mean?: number }[];
    }[];
  }[];
}

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
  const parsed = text ? JSON.parse(text) : undefined;
  if (!response.ok) {
    throw new ApiError(
      parsed && typeof parsed === 'object'
        ? {
            status: response.status,
            title: parsed.title ?? response.statusText,
            detail: parsed.detail ?? '',
            ...parsed,
          }
        : { status: response.status, title: response.statusText, detail: text },
    );
  }
  return parsed as T;
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
      call<{ flags: Flag[]; next_cursor: string | null }>('GET', `${env}/flags${q(filter)}`),
    flag: (name: string) => call<Flag>('GET', `${env}/flags/${e(name)}`),
    updateSettings: (name: string, change: SettingsChange) =>
      call<Flag>('PATCH', `${env}/flags/${e(name)}`, withRuleInputs(change)),
    impact: (name: string, change: SettingsChange) =>
      call<Impact>('POST', `${env}/flags/${e(name)}/impact`, withRuleInputs(change)),
    evaluate: (name: string, user_id: string, attributes: Record<string, JsonValue>) =>
      call<Evaluation>('POST', `${env}/evaluate/${e(name)}`, { user_id, attributes }),
    evaluateAll: (user_id: string, attributes: Record<string, JsonValue>) =>
      call<{ user_id: string; flags: Record<string, Evaluation> }>('POST', `${env}/evaluate`, { user_id, attributes }),
    schedules: (name: string) => call<Schedule[]>('GET', `${env}/flags/${e(name)}/schedules`),
    schedule: (name: string, at: string, set: Schedule['set']) =>
      call<Schedule>('POST', `${env}/flags/${e(name)}/schedules`, { at, set }),
    cancelSchedule: (name: string, id: string) => call<void>('DELETE', `${env}/flags/${e(name)}/schedules/${e(id)}`),
    promote: (from: string, dryRun: boolean) => call<Promotion>('POST', `${env}/promote`, { from, dry_run: dryRun }),
    experiments: () => call<Experiment[]>('GET', `${env}/experiments`),
    experiment: (key: string) => call<Experiment>('GET', `${env}/experiments/${e(key)}`),
    createExperiment: (input: {
      key: string;
      flag_name: string;
      control: string;
      metrics: { key: string; event: string; type: Metric['type'] }[];
      hypothesis?: string | null;
    }) => call<Experiment>('POST', `${env}/experiments`, input),
    startExperiment: (key: string) => call<Experiment>('POST', `${env}/experiments/${e(key)}/start`),
    stopExperiment: (key: string) => call<Experiment>('POST', `${env}/experiments/${e(key)}/stop`),
    results: (key: string) => call<Results>('GET', `${env}/experiments/${e(key)}/results?series=daily`),
    streamUrl: `${env}/stream`,
  };
}

export const api = {
  /** Every flag for a user in the key's own environment (what an evaluate key may do). */
  evaluateForKey: (user_id: string, attributes: Record<string, JsonValue>) =>
    call<{ user_id: string; flags: Record<string, Evaluation> }>('POST', '/evaluate', { user_id, attributes }),
  projects: () => call<Project[]>('GET', '/projects'),
  createFlag: (
    project: string,
    input: { flag_name: string; description?: string; kind?: FlagKind; tags?: string[]; variants?: { key: string }[] },
  ) => call<unknown>('POST', `/projects/${e(project)}/flags`, input),
  updateDefinition: (
    project: string,
    name: string,
    input: { description?: string | null; tags?: string[]; variants?: Variant[] },
  ) => call<unknown>('PATCH', `/projects/${e(project)}/flags/${e(name)}`, input),
  segments: (project: string) => call<Segment[]>('GET', `/projects/${e(project)}/segments`),
  createSegment: (
    project: string,
    input: { name: string; description?: string; conditions: Condition[]; user_ids: string[] },
  ) => call<Segment>('POST', `/projects/${e(project)}/segments`, input),
  deleteSegment: (project: string, name: string) => call<void>('DELETE', `/projects/${e(project)}/segments/${e(name)}`),
  keys: () => call<ApiKey[]>('GET', '/api-keys'),
  createKey: (input: { name: string; scope: ApiKey['scope']; project?: string; environment?: string }) =>
    call<ApiKey & { secret: string }>('POST', '/api-keys', input),
  revokeKey: (id: string) => call<void>('DELETE', `/api-keys/${e(id)}`),
  audit: (filter: {
    flag_name?: string;
    project?: string;
    actor?: string;
    since?: string;
    until?: string;
    cursor?: number;
  }) => call<{ entries: AuditEntry[]; next_cursor: number | null }>('GET', `/audit${q({ ...filter, limit: 100 })}`),
};
