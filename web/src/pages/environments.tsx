import { useState } from 'preact/hooks';
import { api, type Environment, type Promotion, scoped } from '../api.js';
import { Confirm, ProblemMessage, TypedConfirm, useAction, TextField, EnvironmentSelect } from '../components.js';
import { DataTable } from '../data-table.js';
import { usePlace } from '../place.js';
import { DiffTable } from './history.js';

/** The project's environments in order (add, rename, move, delete), then promotion between them. */
export function EnvironmentsPage() {
  return (
    <>
      <h1>Environments</h1>
      <EnvironmentList />
      <Promote />
    </>
  );
}

function EnvironmentList() {
  const { project, environments, reloadProjects } = usePlace();
  const [renaming, setRenaming] = useState<Environment | null>(null);
  const [deleting, setDeleting] = useState<Environment | null>(null);
  const action = useAction();
  const change = async (work: () => Promise<unknown>, saved: string) => {
    if ((await action.run(work, saved)) !== undefined) await reloadProjects();
  };
  const last = environments.length - 1;
  return (
    <>
      <ProblemMessage error={action.error} />
      <DataTable
        label="Environments"
        rows={environments}
        rowKey={(e) => e.key}
        columns={[
          { label: 'Order', numeric: true, cell: (e) => e.position + 1 },
          { label: 'Name', rowHeader: true, cell: (e) => e.name },
          { label: 'Key', cell: (e) => <code>{e.key}</code> },
          {
            label: 'Actions',
            actions: true,
            cell: (e) => (
              <div class="actions">
                <button
                  type="button"
                  aria-label={`Move ${e.name} up`}
                  disabled={e.position === 0 || action.busy}
                  onClick={() =>
                    change(
                      () => api.updateEnvironment(project, e.key, { position: e.position - 1 }),
                      `${e.name} moved up`,
                    )
                  }
                >
                  Up
                </button>
                <button
                  type="button"
                  aria-label={`Move ${e.name} down`}
                  disabled={e.position === last || action.busy}
                  onClick={() =>
                    change(
                      () => api.updateEnvironment(project, e.key, { position: e.position + 1 }),
                      `${e.name} moved down`,
                    )
                  }
                >
                  Down
                </button>
                <button type="button" aria-label={`Rename ${e.name}`} onClick={() => setRenaming(e)}>
                  Rename
                </button>
                <button
                  type="button"
                  aria-label={`Delete ${e.name}`}
                  disabled={environments.length === 1}
                  onClick={() => setDeleting(e)}
                >
                  Delete
                </button>
              </div>
            ),
          },
        ]}
      />
      <TypedConfirm
        open={deleting !== null}
        title={`Delete environment ${deleting?.name}?`}
        expected={deleting?.key ?? ''}
        confirmLabel="Delete environment"
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          const doomed = deleting!;
          setDeleting(null);
          return change(() => api.deleteEnvironment(project, doomed.key), `Environment ${doomed.name} deleted`);
        }}
      >
        <p>Every flag's settings there, its schedules and experiments go with it; API keys bound to it stop working.</p>
      </TypedConfirm>
      {renaming ? (
        <EnvironmentForm key={renaming.key} environment={renaming} onDone={() => setRenaming(null)} />
      ) : (
        <EnvironmentForm key="new" onDone={() => undefined} />
      )}
    </>
  );
}

/** A new environment, empty or as a copy of another; or an existing one's name and key. */
function EnvironmentForm({ environment, onDone }: { environment?: Environment; onDone: () => void }) {
  const { project, environments, reloadProjects } = usePlace();
  const [key, setKey] = useState(environment?.key ?? '');
  const [name, setName] = useState(environment?.name ?? '');
  const [copyFrom, setCopyFrom] = useState('');
  const action = useAction();
  return (
    <section class="card" aria-labelledby="environment-form">
      <h2 id="environment-form">{environment ? `Rename ${environment.name}` : 'New environment'}</h2>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const saved = await action.run(
            () =>
              environment
                ? api.updateEnvironment(project, environment.key, { key: key.trim(), name: name.trim() })
                : api.createEnvironment(project, {
                    key: key.trim(),
                    name: name.trim(),
                    ...(copyFrom && { copy_from: copyFrom }),
                  }),
            (made) => `Environment ${made.name} ${environment ? 'saved' : 'created'}`,
          );
          if (saved) {
            setKey('');
            setName('');
            await reloadProjects();
            onDone();
          }
        }}
      >
        <div class="row">
          <TextField label="Name" value={name} onText={setName} required />
          <TextField label="Key" value={key} onText={setKey} required />
          {!environment && (
            <label>
              Flags start
              <select value={copyFrom} onChange={(e) => setCopyFrom(e.currentTarget.value)}>
                <option value="">Off</option>
                {environments.map((e) => (
                  <option key={e.key} value={e.key}>
                    As in {e.name}
                  </option>
                ))}
              </select>
            </label>
          )}
        </div>
        {environment && <p class="hint">A new key changes its paths; API keys bound to it follow.</p>}
        <ProblemMessage error={action.error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={action.busy}>
            {environment ? 'Save environment' : 'Add environment'}
          </button>
          {environment && (
            <button type="button" onClick={onDone}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

/** Promotion: what copying one environment's settings onto another would change, then doing it. */
function Promote() {
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
        <EnvironmentSelect
          label="From"
          environments={environments}
          value={from}
          onChange={(key) => (setFrom(key), setDiff(null))}
        />
        <EnvironmentSelect
          label="To"
          environments={environments}
          value={to}
          onChange={(key) => (setTo(key), setDiff(null))}
        />
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
          const result = await action.run(
            () => scoped(project, to).promote(from, false),
            (done) => `Promoted ${done.flags.length} flags to ${name(to)}`,
          );
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
