import { useState } from 'preact/hooks';
import { api, type Webhook, type WebhookDelivery } from '../api.js';
import { Confirm, Copy, EmptyState, formatDate, ProblemMessage, useAction, useLoad, TextField } from '../components.js';
import { DataTable } from '../data-table.js';
import { usePlace } from '../place.js';

/** The changes a webhook may announce, as the API names them (CreateWebhook's `events`). */
const EVENTS = [
  ['flag.created', 'Flag created'],
  ['flag.updated', 'Flag changed'],
  ['flag.deleted', 'Flag deleted'],
  ['flag.promoted', 'Flag promoted'],
  ['segment.*', 'Segments'],
  ['experiment.*', 'Experiments'],
  ['schedule.*', 'Scheduled changes'],
  ['environment.*', 'Environments'],
  ['project.*', 'Projects'],
  ['api_key.*', 'API keys'],
] as const;

/** Webhooks: signed announcements of changes to other systems, each with its delivery log. */
export function WebhooksPage() {
  const { project } = usePlace();
  const { data, error, reload } = useLoad(() => api.webhooks(), []);
  const [editing, setEditing] = useState<Webhook | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const action = useAction();
  const hooks = data ?? [];
  // Gone when deleted elsewhere: its log closes with it.
  const shownHook = hooks.find((h) => h.id === shown);
  const act = async <T,>(work: () => Promise<T>, saved: string) => {
    if ((await action.run(work, saved)) !== undefined) reload();
  };
  return (
    <>
      <h1>Webhooks</h1>
      <p class="hint">
        Each change is POSTed to the URL, signed as Standard Webhooks defines, and tried again with backoff for 24 hours
        until the receiver answers 2xx.
      </p>
      <ProblemMessage error={error ?? action.error} />
      {data && hooks.length === 0 && (
        <EmptyState title="No webhook yet">
          <p>Add one below to tell Slack, a CI pipeline or your own service when flags change.</p>
        </EmptyState>
      )}
      {hooks.length > 0 && (
        <DataTable
          label="Webhooks"
          rows={hooks}
          rowKey={(hook) => hook.id}
          rowClass={(hook) => (hook.enabled ? undefined : 'revoked')}
          columns={[
            { label: 'URL', rowHeader: true, sortBy: (hook) => hook.url, cell: (hook) => <code>{hook.url}</code> },
            { label: 'Events', cell: (hook) => hook.events.join(', ') },
            {
              label: 'Project',
              sortBy: (hook) => hook.project ?? '',
              cell: (hook) => hook.project ?? 'every project',
            },
            {
              label: 'State',
              sortBy: (hook) => (hook.enabled ? 'active' : 'paused'),
              cell: (hook) => (hook.enabled ? 'Active' : 'Paused'),
            },
            {
              label: 'Actions',
              actions: true,
              cell: (hook) => (
                <div class="actions">
                  <button type="button" onClick={() => setShown(shown === hook.id ? null : hook.id)}>
                    {shown === hook.id ? 'Hide deliveries' : 'Deliveries'}
                  </button>
                  <button type="button" onClick={() => act(() => api.pingWebhook(hook.id), 'Test ping sent')}>
                    Send test ping
                  </button>
                  <button
                    type="button"
                    onClick={() =>
                      act(
                        () => api.updateWebhook(hook.id, { enabled: !hook.enabled }),
                        hook.enabled ? 'Webhook paused' : 'Webhook resumed',
                      )
                    }
                  >
                    {hook.enabled ? 'Pause' : 'Resume'}
                  </button>
                  <button type="button" onClick={() => setEditing(hook)}>
                    Edit
                  </button>
                  <button type="button" onClick={() => setDeleting(hook)}>
                    Delete
                  </button>
                </div>
              ),
            },
          ]}
        />
      )}
      {shownHook && <Deliveries key={shownHook.id} hook={shownHook} />}
      <Confirm
        open={deleting !== null}
        title={`Delete the webhook to ${deleting?.url}?`}
        confirmLabel="Delete webhook"
        onCancel={() => setDeleting(null)}
        onConfirm={() => {
          const hook = deleting!;
          setDeleting(null);
          if (shown === hook.id) setShown(null);
          return act(() => api.deleteWebhook(hook.id).then(() => true), 'Webhook deleted');
        }}
      >
        <p>Its pending deliveries are dropped with it.</p>
      </Confirm>
      {editing ? (
        <WebhookForm
          key={editing.id}
          hook={editing}
          project={project}
          onDone={() => (setEditing(null), reload())}
          onCancel={() => setEditing(null)}
        />
      ) : (
        <WebhookForm key="new" project={project} onDone={reload} />
      )}
    </>
  );
}

/** A new webhook (its secret shown once), or an existing one's URL and events. */
function WebhookForm({
  hook,
  project,
  onDone,
  onCancel,
}: {
  hook?: Webhook;
  project: string;
  onDone: () => void;
  onCancel?: () => void;
}) {
  const [url, setUrl] = useState(hook?.url ?? '');
  const [events, setEvents] = useState<string[]>(hook?.events ?? ['flag.updated']);
  const [everyProject, setEveryProject] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const action = useAction();
  const toggle = (event: string, on: boolean) =>
    setEvents((now) => (on ? [...now, event] : now.filter((e) => e !== event)));
  return (
    <section class="card" aria-labelledby="webhook-form">
      <h2 id="webhook-form">{hook ? 'Edit webhook' : 'New webhook'}</h2>
      {secret && (
        <div class="success" role="status">
          <p>Webhook created. Copy its signing secret now: it is not shown again.</p>
          <p class="row">
            <code data-testid="webhook-secret">{secret}</code>
            <Copy text={secret} label="Copy the signing secret" />
          </p>
        </div>
      )}
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          if (hook) {
            const saved = await action.run(
              () => api.updateWebhook(hook.id, { url: url.trim(), events }),
              'Webhook saved',
            );
            if (saved) onDone();
            return;
          }
          const made = await action.run(
            () => api.createWebhook({ url: url.trim(), events, ...(everyProject ? {} : { project }) }),
            'Webhook created',
          );
          if (made) {
            setSecret(made.secret);
            setUrl('');
            onDone();
          }
        }}
      >
        <TextField label="URL" value={url} onText={setUrl} type="url" required />
        <fieldset>
          <legend>Announce</legend>
          <div class="row">
            {EVENTS.map(([event, label]) => (
              <label class="check" key={event}>
                <input
                  type="checkbox"
                  checked={events.includes(event) || events.includes('*')}
                  disabled={events.includes('*')}
                  onChange={(e) => toggle(event, e.currentTarget.checked)}
                />
                {label}
              </label>
            ))}
            <label class="check">
              <input
                type="checkbox"
                checked={events.includes('*')}
                onChange={(e) => toggle('*', e.currentTarget.checked)}
              />
              Everything
            </label>
          </div>
        </fieldset>
        {!hook && (
          <label class="check">
            <input type="checkbox" checked={everyProject} onChange={(e) => setEveryProject(e.currentTarget.checked)} />
            Every project's changes, not only {project}'s
          </label>
        )}
        <ProblemMessage error={action.error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={action.busy || events.length === 0}>
            {hook ? 'Save webhook' : 'Create webhook'}
          </button>
          {onCancel && (
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

/** A webhook's delivery log, newest first: each request as sent and the receiver's answer; retry any. */
function Deliveries({ hook }: { hook: Webhook }) {
  const [pages, setPages] = useState<WebhookDelivery[][]>([]);
  const { data, error, reload } = useLoad(() => api.deliveries(hook.id), [hook.id]);
  const more = useAction();
  const retry = useAction();
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const next = cursor === undefined ? data?.next_cursor : cursor;
  const rows = [...(data?.deliveries ?? []), ...pages.flat()];
  return (
    <section class="card" aria-labelledby="deliveries">
      <div class="row">
        <h2 id="deliveries" class="grow">
          Deliveries to <code>{hook.url}</code>
        </h2>
        <button type="button" onClick={() => (setPages([]), setCursor(undefined), reload())}>
          Refresh deliveries
        </button>
      </div>
      <ProblemMessage error={error ?? retry.error ?? more.error} />
      {data && rows.length === 0 && (
        <EmptyState title="Nothing delivered yet">
          <p>Change a flag, or send a test ping, and its delivery appears here.</p>
        </EmptyState>
      )}
      <ul class="entries" aria-label="Deliveries">
        {rows.map((delivery) => (
          <li key={delivery.id} class="card">
            <div class="row">
              <strong class="grow">
                {delivery.event}: {delivery.status}
              </strong>
              <span class="hint">{formatDate(delivery.created_at)}</span>
              <button
                type="button"
                onClick={async () => {
                  if (await retry.run(() => api.retryDelivery(hook.id, delivery.id), 'Delivery sent again')) reload();
                }}
              >
                Retry
              </button>
            </div>
            <p>
              {delivery.attempts} {delivery.attempts === 1 ? 'attempt' : 'attempts'}
              {delivery.last_status_code !== null && `, answered ${delivery.last_status_code}`}
              {delivery.last_latency_ms !== null && ` in ${delivery.last_latency_ms} ms`}
              {delivery.last_error && `, ${delivery.last_error}`}
              {delivery.next_attempt_at && `; next attempt ${formatDate(delivery.next_attempt_at)}`}
            </p>
            <details>
              <summary>Request and answer</summary>
              <p class="hint">
                webhook-id <code>{delivery.id}</code>
              </p>
              <pre>{JSON.stringify(delivery.payload, null, 2)}</pre>
              <p>Answer{delivery.last_response === null ? ': none yet' : ''}</p>
              {delivery.last_response !== null && <pre>{delivery.last_response}</pre>}
            </details>
          </li>
        ))}
      </ul>
      {next && (
        <button
          type="button"
          disabled={more.busy}
          onClick={async () => {
            const page = await more.run(() => api.deliveries(hook.id, next));
            if (page) {
              setPages((now) => [...now, page.deliveries]);
              setCursor(page.next_cursor);
            }
          }}
        >
          Older deliveries
        </button>
      )}
    </section>
  );
}
