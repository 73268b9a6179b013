import type { AuditEntry } from '../api.js';
import { changes } from './diff.js';

/** Fields every write moves: the diff and the sentence leave them out. */
const BOOKKEEPING = new Set(['updated_at', 'version', 'definition_version']);

const count = (value: unknown) => (Array.isArray(value) ? value.length : 0);

/** One changed field in words. */
function fieldWords(field: string, before: unknown, after: unknown): string {
  if (field === 'status') return after ? 'turned it on' : 'turned it off';
  if (field === 'rollout_percentage') return `users who get it ${String(before)}% → ${String(after)}%`;
  if (field === 'rules' || field === 'overrides' || field === 'prerequisites') {
    return `${field} (${count(before)} → ${count(after)})`;
  }
  if (field === 'variants') return 'variant weights';
  return field.replaceAll('_', ' ');
}

/** The entry's fields that changed, without the ones every write moves. */
export const meaningfulChanges = (entry: AuditEntry) =>
  changes(entry.before, entry.after).filter((c) => !BOOKKEEPING.has(c.field));

/**
 * An audit entry as a sentence: who did what to which item, and in a change what moved ("ADMIN_API_KEY
 * changed flag checkout in production: turned it on, users who get it 10% → 20%").
 */
export function entrySentence(entry: AuditEntry): string {
  const verb = entry.action.split('.').pop() ?? entry.action;
  const what = `${entry.target_type.replaceAll('_', ' ')} ${entry.target}`;
  const where = entry.environment ? ` in ${entry.environment}` : '';
  const subject = `${entry.actor.name} ${verb === 'updated' ? 'changed' : verb} ${what}${where}`;
  if (verb !== 'updated') return subject;
  const moved = meaningfulChanges(entry).map((c) => fieldWords(c.field, c.before, c.after));
  return moved.length === 0 ? subject : `${subject}: ${[...new Set(moved)].join(', ')}`;
}
