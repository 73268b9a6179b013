/**
 * Webhooks, which changes each announces, and when a failed delivery is tried again: pure, so the
 * outbox (db), the worker and the tests agree on both.
 */
import { AUDIT_ACTIONS } from './audit.js';

/** An event pattern: an action ("flag.updated"), every action of one kind ("segment.*"), or everything ("*"). */
export const EVENT_PATTERN = /^(\*|[a-z_]+\.(\*|[a-z_]+))$/;

const KINDS = new Set(AUDIT_ACTIONS.map((action) => action.slice(0, action.indexOf('.'))));

/** Whether a pattern can ever match: "*", a kind the audit log has ("segment.*"), or one of its actions. */
export function isKnownEvent(pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return KINDS.has(pattern.slice(0, -2));
  return (AUDIT_ACTIONS as readonly string[]).includes(pattern);
}

/** Whether an audit action ("flag.updated") is one of the webhook's patterns. */
export function matchesEvent(patterns: readonly string[], action: string): boolean {
  const kind = action.slice(0, action.indexOf('.'));
  return patterns.some((pattern) => pattern === '*' || pattern === action || pattern === `${kind}.*`);
}

/** How long a delivery is tried, from the change (or a retry by hand): Standard Webhooks' window. */
export const DELIVERY_WINDOW_MS = 24 * 3_600_000;

/** How long a delivered or failed delivery stays listed, then deleted. */
export const DELIVERY_RETENTION_MS = 30 * 24 * 3_600_000;

const FIRST_RETRY_MS = 5_000;
const LONGEST_RETRY_MS = 3_600_000;

/**
 * How long to wait after the `attempt`th failure: 5 s, doubling up to an hour, and "full jitter"
 * between half and all of it (`random` in [0, 1)), so receivers that come back are not hit by every
 * sender at the same moment.
 */
export function retryDelayMs(attempt: number, random: number): number {
  const ceiling = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(attempt - 1, 0));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

/** What a webhook URL's password shows as, in every answer and log. */
export const MASKED_PASSWORD = '********';

/** The URL with its password, if it has one, masked: `https://user:********@hooks.example.com/…`. */
export function maskUrlPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password === '') return url;
  parsed.password = MASKED_PASSWORD;
  return parsed.href;
}

/**
 * A URL sent back as it was shown, password masked, keeps the stored password; only for the same
 * origin and user, or a masked URL could carry the stored password to another host. Undefined when
 * it cannot (the caller says why); the URL itself when it holds no masked password.
 */
export function unmaskUrlPassword(sent: string, stored: string): string | undefined {
  const parsed = new URL(sent);
  if (parsed.password !== MASKED_PASSWORD) return sent;
  const before = new URL(stored);
  const sameUser = before.origin === parsed.origin && before.username === parsed.username;
  if (!sameUser || before.password === '') return undefined;
  parsed.password = before.password;
  return parsed.href;
}

/** Where changes are announced (the audit entries whose action matches `events`). */
export interface Webhook {
  id: string;
  /** Only this project's changes; null for every project's. */
  projectId: number | null;
  url: string;
  events: string[];
  /** whsec_<base64>, Standard Webhooks' form. */
  secret: string;
  enabled: boolean;
  createdAt: Date;
  /** Raised by every write of this item: what a command was prepared against. */
  version: number;
  updatedAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One announcement to one webhook, and how its attempts went. Times are ms since the epoch. */
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  event: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  deadlineAt: number;
  lastStatus: number | null;
  lastError: string | null;
  lastLatencyMs: number | null;
  lastResponse: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

export type NewWebhook = Omit<Webhook, 'createdAt' | 'updatedAt' | 'version'>;

export type WebhookChanges = Partial<Pick<Webhook, 'url' | 'events' | 'secret' | 'enabled'>>;
