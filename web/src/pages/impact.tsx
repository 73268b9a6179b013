import { useEffect, useState } from 'preact/hooks';
import type { Impact, SettingsChange } from '../api.js';
import { ProblemMessage } from '../components.js';
import { usePlace } from '../place.js';

/**
 * Before a change is saved: how many of the users evaluated in the last 24 hours it would turn on or
 * off. Asked again 300 ms after the person stops editing; nothing is written.
 */
export function ImpactPreview({ flag, change }: { flag: string; change: SettingsChange | null }) {
  const { api } = usePlace();
  const [impact, setImpact] = useState<Impact | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const key = JSON.stringify(change);
  useEffect(() => {
    if (change === null) {
      setImpact(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      api.impact(flag, change).then(
        (result) => current && (setImpact(result), setError(undefined)),
        (failure) => current && (setImpact(null), setError(failure)),
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [flag, key]);
  if (change === null) return null;
  return (
    <div class="impact" role="status" aria-live="polite" data-testid="impact">
      {error !== undefined && <ProblemMessage error={error} />}
      {impact && impact.users === 0 && (
        <p>No user sampled from the last {impact.window_hours} hours' evaluations has evaluated this flag.</p>
      )}
      {impact && impact.users > 0 && (
        <p>
          Of <strong>{impact.users}</strong> users sampled from the last {impact.window_hours} hours' evaluations, this
          change turns it <strong class="on">on for {impact.turning_on.count}</strong> and{' '}
          <strong class="off">off for {impact.turning_off.count}</strong>
          {impact.changing_variant.count > 0 && <>, and moves {impact.changing_variant.count} to another variant</>}.
          {impact.turning_on.examples.length + impact.turning_off.examples.length > 0 && (
            <span class="hint">
              {' '}
              For example: {[...impact.turning_on.examples, ...impact.turning_off.examples].slice(0, 5).join(', ')}.
            </span>
          )}
        </p>
      )}
    </div>
  );
}
