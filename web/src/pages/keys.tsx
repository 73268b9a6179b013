import { useState } from 'preact/hooks';
import { api, type ApiKey } from '../api.js';
import {
  Confirm,
  Copy,
  formatDate,
  ProblemMessage,
  useAction,
  useLoad,
  TextField,
  EnvironmentSelect,
} from '../components.js';
import { DataTable } from '../data-table.js';
import { usePlace } from '../place.js';
import { session } from '../session.js';

/**
 * `onSignedIn` runs when the first admin key, made in open mode, signs this tab in: from then on the
 * API asks every request for a key, and without it the person would be locked out of the dashboard.
 */
export function KeysPage({ onSignedIn }: { onSignedIn: () => void }) {
  const { projects } = usePlace();
  const { data, error, reload } = useLoad(() => api.keys(), []);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<ApiKey['scope']>('evaluate');
  const [project, setProject] = useState('');
  const [environment, setEnvironment] = useState('');
  const [created, setCreated] = useState<(ApiKey & { secret: string }) | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const action = useAction();
  const revoke = useAction();
  const environments = projects.find((p) => p.key === (project || 'default'))?.environments ?? [];
  return (
    <>
      <h1>API keys</h1>
      <ProblemMessage error={error ?? revoke.error} />
      <DataTable
        label="API keys"
        rows={data ?? []}
        rowKey={(key) => key.id}
        rowClass={(key) => (key.revoked_at ? 'revoked' : undefined)}
        columns={[
          { label: 'Name', rowHeader: true, sortBy: (key) => key.name, cell: (key) => key.name },
          { label: 'Scope', sortBy: (key) => key.scope, cell: (key) => key.scope },
          {
            label: 'Bound to',
            sortBy: (key) => boundTo(key),
            cell: (key) => boundTo(key),
          },
          { label: 'Prefix', cell: (key) => <code>{key.prefix}</code> },
          { label: 'Created', sortBy: (key) => key.created_at, cell: (key) => formatDate(key.created_at) },
          {
            label: 'Actions',
            actions: true,
            cell: (key) =>
              key.revoked_at ? (
                `revoked ${formatDate(key.revoked_at)}`
              ) : (
                <button type="button" onClick={() => setRevoking(key)}>
                  Revoke {key.name}
                </button>
              ),
          },
        ]}
      />
      <Confirm
        open={revoking !== null}
        title={`Revoke ${revoking?.name}?`}
        confirmLabel="Revoke key"
        onCancel={() => setRevoking(null)}
        onConfirm={async () => {
          const key = revoking!;
          setRevoking(null);
          if (await revoke.run(() => api.revokeKey(key.id).then(() => true), `Key ${key.name} revoked`)) reload();
        }}
      >
        <p>Every client using it is refused from now on. This cannot be undone.</p>
      </Confirm>
      {created && (
        <div class="card success" role="status">
          <p>
            Key <strong>{created.name}</strong> created. Copy its secret now: it is not shown again.
          </p>
          <p class="row">
            <code data-testid="secret">{created.secret}</code>
            <Copy text={created.secret} label={`Copy the secret of ${created.name}`} />
          </p>
          {session.key() === created.secret && (
            <p>
              Open mode has ended: the API now asks every caller for a key, and this tab is signed in with this one.
            </p>
          )}
        </div>
      )}
      <h2>New key</h2>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const result = await action.run(
            () =>
              api.createKey({
                name: name.trim(),
                scope,
                project: project || undefined,
                environment: scope === 'admin' ? undefined : environment || undefined,
              }),
            (made) => `Key ${made.name} created`,
          );
          if (result) {
            if (session.key() === null && result.scope === 'admin' && result.project === null) {
              session.signIn(result.secret);
              onSignedIn();
            }
            setCreated(result);
            setName('');
            reload();
          }
        }}
      >
        <TextField label="Name" value={name} onText={setName} required />
        <label>
          Scope
          <select value={scope} onChange={(e) => setScope(e.currentTarget.value as ApiKey['scope'])}>
            <option value="evaluate">evaluate: reads answers (SDKs, browsers)</option>
            <option value="server">server: also reads the whole configuration (in-process provider)</option>
            <option value="admin">admin: changes everything</option>
          </select>
        </label>
        <label>
          Project
          {/* A key for evaluation is bound to one project (default unless chosen); an admin key may span all. */}
          <select
            value={project || (scope === 'admin' ? '' : 'default')}
            onChange={(e) => (setProject(e.currentTarget.value), setEnvironment(''))}
          >
            {scope === 'admin' && <option value="">All projects</option>}
            {projects.map((p) => (
              <option key={p.key} value={p.key}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        {scope !== 'admin' && (
          <EnvironmentSelect
            label="Environment"
            environments={environments}
            value={environment || 'production'}
            onChange={setEnvironment}
          />
        )}
        <ProblemMessage error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Create key
        </button>
      </form>
    </>
  );
}

const boundTo = (key: ApiKey) => [key.project, key.environment].filter(Boolean).join(' / ') || 'everything';
