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
  projects: () => call<Project[]>('GET', '/projects'),
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
