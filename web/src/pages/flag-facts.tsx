import type { FlagDefinition } from '../api.js';
import { ago } from '../logic/ago.js';

export const kindName = (kind: FlagDefinition['kind']) => kind.replace('_', ' ');

/** What a flag is for, when it was last evaluated in this environment, and why it is stale if it is. */
export function FlagFacts({
  definition,
  environment,
  environmentName,
  now,
}: {
  definition: FlagDefinition;
  environment: string;
  environmentName: string;
  now: number;
}) {
  const lastEvaluated = definition.environments[environment]?.last_evaluated_at ?? null;
  return (
    <div class="hint flag-facts">
      <span>{kindName(definition.kind)}</span>
      <span>{lastEvaluated ? `evaluated ${ago(lastEvaluated, now)}` : `never evaluated in ${environmentName}`}</span>
      {definition.stale && <span class="stale">stale: {definition.stale.detail}</span>}
    </div>
  );
}
