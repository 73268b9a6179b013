import { useState } from 'preact/hooks';
import { api, type Flag, type FlagEnvironmentDiff } from '../api.js';
import { Confirm, EnvironmentSelect, ProblemMessage, useAction } from '../components.js';
import { usePlace } from '../place.js';
import { DiffTable } from './history.js';

/** One flag's settings copied from one environment to another: the diff first, then the promotion. */
export function PromoteFlag({ flag, onPromoted }: { flag: Flag; onPromoted: () => void }) {
  const { project, environment, environments } = usePlace();
  const others = environments.filter((e) => e.key !== environment);
  // The usual direction: from the environment before this one into this one.
  const here = environments.findIndex((e) => e.key === environment);
  const [from, setFrom] = useState(environments[here - 1]?.key ?? others[0]?.key ?? environment);
  const [to, setTo] = useState(environment);
  const [diff, setDiff] = useState<FlagEnvironmentDiff | null>(null);
  const [confirming, setConfirming] = useState(false);
  const action = useAction();
  const name = (key: string) => environments.find((e) => e.key === key)?.name ?? key;
  if (environments.length < 2) return null;
  const pick = (set: (key: string) => void) => (key: string) => {
    set(key);
    setDiff(null);
  };
  return (
    <details class="card">
      <summary>Promote between environments</summary>
      <form
        class="row"
        onSubmit={async (event) => {
          event.preventDefault();
          setDiff((await action.run(() => api.flagDiff(project, flag.flag_name, from, to))) ?? null);
        }}
      >
        <EnvironmentSelect label="From" environments={environments} value={from} onChange={pick(setFrom)} />
        <EnvironmentSelect label="To" environments={environments} value={to} onChange={pick(setTo)} />
        <button type="submit" disabled={action.busy || from === to}>
          Compare
        </button>
      </form>
      <ProblemMessage error={action.error} />
      {diff && diff.changes.length === 0 && (
        <p role="status">
          {flag.flag_name} in {name(to)} already matches {name(from)}.
        </p>
      )}
      {diff && diff.changes.length > 0 && (
        <>
          <DiffTable rows={diff.changes} before={`${name(to)} now`} after="After promotion" />
          <button type="button" class="primary" onClick={() => setConfirming(true)}>
            Promote {flag.flag_name} to {name(to)}
          </button>
        </>
      )}
      <Confirm
        open={confirming}
        title={`Promote ${flag.flag_name} from ${name(from)} to ${name(to)}?`}
        confirmLabel={`Promote to ${name(to)}`}
        onCancel={() => setConfirming(false)}
        onConfirm={async () => {
          setConfirming(false);
          const done = await action.run(
            () => api.promoteFlag(project, flag.flag_name, from, to),
            `${flag.flag_name} promoted to ${name(to)}`,
          );
          if (done) {
            setDiff(null);
            onPromoted();
          }
        }}
      >
        <p>
          Its {diff?.changes.length ?? 0} differing settings in {name(to)} become those of {name(from)}, as one change
          in the audit log.
        </p>
      </Confirm>
    </details>
  );
}
