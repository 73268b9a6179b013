import type { Problem } from '../api.js';

/**
 * Each field a 400 named, by its path in the body ("rules/0/segment"), with the API's message and the
 * name the page gives it ("Rule 1, segment").
 */
export function fieldErrors(problem: Problem): { field: string; label: string; message: string }[] {
  return (problem.errors ?? []).map((error) => {
    const field = error.pointer.replace(/^#\/?/, '') || error.location;
    return { field, label: fieldLabel(field), message: error.detail };
  });
}

// The lists a flag's settings hold, by the singular the page numbers them with (from 1).
const ITEMS: Record<string, string> = {
  rules: 'Rule',
  conditions: 'condition',
  variants: 'variant',
  overrides: 'Override',
  prerequisites: 'Prerequisite',
  metrics: 'Metric',
};
const FIELDS: Record<string, string> = {
  rollout_percentage: 'percentage',
  user_id: 'user id',
  flag_name: 'name',
};

/** "rules/0/conditions/1/attribute" → "Rule 1, condition 2, attribute": the pointer as the page words it. */
export function fieldLabel(pointer: string): string {
  const parts = pointer.split('/').filter(Boolean);
  const words: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const item = ITEMS[parts[i]];
    const index = parts[i + 1];
    if (item && index !== undefined && /^\d+$/.test(index)) {
      words.push(`${words.length === 0 ? item : item.toLowerCase()} ${Number(index) + 1}`);
      i++;
    } else words.push(FIELDS[parts[i]] ?? parts[i].replaceAll('_', ' '));
  }
  const sentence = words.join(', ');
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}
