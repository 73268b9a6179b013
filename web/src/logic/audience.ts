import type { Flag, Rule } from '../api.js';
import { audienceWords } from './pending.js';

/** The settings the sentence reads: a flag's in one environment, or the draft's. */
export type Audience = Pick<Flag, 'status' | 'rollout_percentage' | 'rules' | 'overrides' | 'prerequisites'>;

/**
 * One part of the sentence, in the order evaluation asks: the first part that holds for a user
 * decides, and gives the flag to `percentage` of them (by their bucket; 100 is everyone, 0 no one).
 */
export type Clause =
  | { who: 'users'; userIds: string[]; percentage: 0 | 100 }
  | { who: 'rule'; rule: Rule; percentage: number }
  | { who: 'everyone else'; percentage: number };

export interface WhoGetsIt {
  /** Null when the flag is off: nobody gets it. */
  clauses: Clause[] | null;
  /** Flags that must be on (or on a variant) for anyone to get it. */
  requires: string[];
  sentence: string;
}

const share = (percentage: number, whom: string) =>
  percentage === 100 ? `on for ${whom}` : percentage === 0 ? `off for ${whom}` : `on for ${percentage}% of ${whom}`;

const listed = (ids: string[]) =>
  ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`;

/**
 * Who gets the flag, in one sentence ("On for 20% of users whose country is one of DE, FR; off for
 * everyone else"), from parts that follow evaluation's order: prerequisites, overrides, the first
 * matching rule, then the flag's own percentage. Rules after a rule for all users are never reached,
 * so they are left out. web/test/audience.test.ts holds it equal to the service's evaluation.
 */
export function whoGetsIt(settings: Audience, environmentName: string): WhoGetsIt {
  const requires = settings.prerequisites
    .filter((p) => p.flag !== '')
    .map((p) => (p.variant ? `${p.flag} is variant ${p.variant}` : `${p.flag} is on`));
  if (!settings.status) return { clauses: null, requires, sentence: `Off for everyone in ${environmentName}.` };
  const clauses: Clause[] = [];
  for (const enabled of [true, false]) {
    const userIds = settings.overrides.filter((o) => o.enabled === enabled && o.user_id !== '').map((o) => o.user_id);
    if (userIds.length > 0) clauses.push({ who: 'users', userIds, percentage: enabled ? 100 : 0 });
  }
  let everyoneReached = true;
  for (const rule of settings.rules) {
    clauses.push({ who: 'rule', rule, percentage: rule.rollout_percentage });
    if (rule.segment === null && rule.conditions.length === 0) {
      everyoneReached = false;
      break;
    }
  }
  if (everyoneReached) clauses.push({ who: 'everyone else', percentage: settings.rollout_percentage });

  const phrases = clauses.map((clause, index) => {
    if (clause.who === 'users')
      return `always ${clause.percentage === 100 ? 'on' : 'off'} for ${listed(clause.userIds)}`;
    const whom = clause.who === 'rule' ? audienceWords(clause.rule) : 'all users';
    // "All users" after other parts means those the earlier parts did not decide.
    return share(clause.percentage, whom !== 'all users' ? whom : index === 0 ? 'everyone' : 'everyone else');
  });
  const said = phrases.join('; ');
  const prefix = requires.length > 0 ? `Only while ${requires.join(' and ')}: ` : '';
  const body = prefix ? said : said.charAt(0).toUpperCase() + said.slice(1);
  return { clauses, requires, sentence: `${prefix}${body}.` };
}
