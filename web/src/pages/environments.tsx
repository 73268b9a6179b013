import { useState } from 'preact/hooks';
import { type Promotion, scoped } from '../api.js';
import { Confirm, ProblemMessage, useAction } from '../components.js';
import { usePlace } from '../place.js';
import { DiffTable } from './history.js';

/** Promotion: what copying one environment's settings onto another would change, then doing it. */
export function EnvironmentsPage() {
  const { project, environments } = usePlace();
  const [from, setFrom] = useState(environments[0]?.key ?? '');
  const [to, setTo] = useState(environments.find((e) => e.key === 'production')?.key ?? environments.at(-1)?.key ?? '');
  const [diff, setDiff] = useState<Promotion | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<Promotion | null>(null);
  const action = useAction();
  const name = (key: string) => environments.find((e) => e.key === key)?.name ?? key;
  return (
    <>
      <h1>Environments</h1>
      <ul class="inline-list">
        {environments.map((e) => (
          <li key={e.key}>
            {e.name} <code>{e.key}</code>
          </li>
        ))}
      </ul>
      <h2>Promote</h2>
      <form
        class="row"
        onSubmit={async (event) => {
          event.preventDefault();
          setDone(null);
          const result = await action.run(() => scoped(project, to).promote(from, true));
          if (result) setDiff(result);
        }}
      >
        <label>
          From
          <select value={from} onChange={(e) => (setFrom(e.currentTarget.value), setDiff(null))}>
            {environments.map((e) => (
              <option key={e.key} value={e.key}>
                {e.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          To
          <select value={to} onChange={(e) => (setTo(e.currentTarget.value), setDiff(null))}>
            {environments.map((e) => (
              <option key={e.key} value={e.key}>
                {e.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={action.busy || from === to}>
          Compare
        </button>
      </form>
      <ProblemMessage error={action.error} />
      {done && (
        <p role="status" class="success">
          Promoted {done.flags.length} flags from {name(done.from)} to {name(done.to)}.
        </p>
      )}
      {diff && diff.flags.length === 0 && (
        <p role="status">
          {name(to)} already matches {name(from)}.
        </p>
      )}
      {diff && diff.flags.length > 0 && (
        <>
          {diff.flags.map((flag) => (
            <section key={flag.flag_name} class="card">
              <h3>{flag.flag_name}</h3>
              <DiffTable rows={flag.changes} before={`${name(to)} now`} after="After promotion" />
            </section>
          ))}
          <button type="button" class="primary" onClick={() => setConfirming(true)}>
            Promote {diff.flags.length} flags to {name(to)}
          </button>
        </>
      )}
      <Confirm
        open={confirming}
        title={`Promote ${diff?.flags.length ?? 0} flags from ${name(from)} to ${name(to)}?`}
        confirmLabel={`Promote to ${name(to)}`}
        onCancel={() => setConfirming(false)}
        onConfirm={async () => {
          setConfirming(false);
          const result = await action.run(() => scoped(project, to).promote(from, false));
          if (result) {
            setDone(result);
            setDiff(null);
          }
        }}
      >
        <p>
          Their status, percentage, weights, rules, overrides and prerequisites in {name(to)} become those of{' '}
          {name(from)}.
        </p>
      </Confirm>
    </>
  );
}
