import { useState } from 'preact/hooks';
import { type Account, api, ApiError, type Member, type OneTimeLink, type PersonalToken } from '../api.js';
import { Confirm, Copy, formatDate, ProblemMessage, TextField, useAction, useLoad } from '../components.js';
import { DataTable } from '../data-table.js';
import { usePlace } from '../place.js';

const ROLES = ['viewer', 'editor', 'admin'] as const;

/**
 * People: accounts and invitations (owners and project admins), the project's members with their
 * roles and environments, and the signed-in person's own sessions and personal tokens.
 */
export function PeoplePage() {
  // One list for both sections: someone just invited can be given a role at once.
  const accounts = useLoad(() => api.accounts(), []);
  return (
    <>
      <h1>People</h1>
      <Accounts accounts={accounts} />
      <Members accounts={accounts.data} />
      <OwnCredentials />
    </>
  );
}

type Loaded<T> = { data: T | undefined; error: unknown; reload: () => void };

/** A one-time link to hand over, with its copy button: shown once, its token stored nowhere. */
function LinkCard({ who, link }: { who: string; link: OneTimeLink }) {
  return (
    <div class="card success" role="status">
      <p>
        Hand this link to <strong>{who}</strong>; it works once, until {formatDate(link.expires_at)}.
      </p>
      <p class="row">
        <code data-testid="link">{link.url}</code>
        <Copy text={link.url} label={`Copy the link for ${who}`} />
      </p>
    </div>
  );
}

const refusedFor = (error: unknown) => error instanceof ApiError && error.status === 403;

function Accounts({ accounts: { data, error, reload } }: { accounts: Loaded<Account[]> }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [link, setLink] = useState<{ who: string; link: OneTimeLink } | null>(null);
  const [leaving, setLeaving] = useState<Account | null>(null);
  const action = useAction();
  if (refusedFor(error)) {
    return <p class="hint">Owners and project admins see accounts and invite people here.</p>;
  }
  const issue = async (account: Account, make: () => Promise<OneTimeLink>, what: string) => {
    const made = await action.run(make, `${what} for ${account.name}`);
    if (made) setLink({ who: account.name, link: made });
  };
  return (
    <section aria-labelledby="accounts-heading">
      <h2 id="accounts-heading">Accounts</h2>
      <ProblemMessage error={error ?? action.error} />
      {link && <LinkCard who={link.who} link={link.link} />}
      <DataTable
        label="Accounts"
        rows={data ?? []}
        rowKey={(account) => account.id}
        rowClass={(account) => (account.status === 'deactivated' ? 'revoked' : undefined)}
        columns={[
          { label: 'Name', rowHeader: true, sortBy: (a) => a.name, cell: (a) => a.name },
          { label: 'Email', sortBy: (a) => a.email, cell: (a) => a.email },
          {
            label: 'Standing',
            sortBy: (a) => standing(a),
            cell: (a) => standing(a),
          },
          {
            label: 'Last seen',
            sortBy: (a) => a.last_seen_at ?? '',
            cell: (a) => (a.last_seen_at ? formatDate(a.last_seen_at) : 'never'),
          },
          {
            label: 'Actions',
            actions: true,
            cell: (a) =>
              a.status === 'deactivated' ? (
                'deactivated'
              ) : (
                <span class="row">
                  {a.invitation_pending ? (
                    <button type="button" onClick={() => issue(a, () => api.newInvitation(a.id), 'New invitation')}>
                      New invitation for {a.name}
                    </button>
                  ) : (
                    <button type="button" onClick={() => issue(a, () => api.passwordReset(a.id), 'Reset link')}>
                      Reset link for {a.name}
                    </button>
                  )}
                  <button type="button" onClick={() => setLeaving(a)}>
                    Deactivate {a.name}
                  </button>
                </span>
              ),
          },
        ]}
      />
      <Confirm
        open={leaving !== null}
        title={`Deactivate ${leaving?.name}?`}
        confirmLabel="Deactivate"
        onCancel={() => setLeaving(null)}
        onConfirm={async () => {
          const account = leaving!;
          setLeaving(null);
          if (await action.run(() => api.deactivate(account.id), `${account.name} deactivated`)) reload();
        }}
      >
        <p>They are signed out everywhere at once and cannot sign in again. The audit log keeps their name.</p>
      </Confirm>
      <h3>Invite someone</h3>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const invited = await action.run(
            () => api.invite({ email: email.trim(), name: name.trim(), owner: false }),
            (made) => `${made.account.name} invited`,
          );
          if (invited) {
            setLink({ who: invited.account.name, link: invited.invitation });
            setEmail('');
            setName('');
            reload();
          }
        }}
      >
        <TextField label="Email" type="email" value={email} onText={setEmail} required />
        <TextField label="Name" value={name} onText={setName} required />
        <p class="hint">Then give them a role in a project below.</p>
        <button type="submit" class="primary" disabled={action.busy}>
          Invite
        </button>
      </form>
    </section>
  );
}

const standing = (a: Account) =>
  a.status === 'deactivated' ? 'deactivated' : a.owner ? 'owner' : a.invitation_pending ? 'invited' : 'active';

/** `accounts`: undefined for someone who may not list them, and so may not grant roles. */
function Members({ accounts }: { accounts: Account[] | undefined }) {
  const { project, projects } = usePlace();
  const environments = projects.find((p) => p.key === project)?.environments ?? [];
  const { data, error, reload } = useLoad(() => api.members(project), [project]);
  const [accountId, setAccountId] = useState('');
  const [role, setRole] = useState<Member['role']>('viewer');
  const [only, setOnly] = useState<string[]>([]);
  const action = useAction();
  // Who may list accounts may grant roles (member.manage); everyone else sees the members only.
  const manages = accounts !== undefined;
  const candidates = (accounts ?? []).filter((a) => a.status === 'active' && !a.owner);
  return (
    <section aria-labelledby="members-heading">
      <h2 id="members-heading">Members of {projects.find((p) => p.key === project)?.name ?? project}</h2>
      <ProblemMessage error={error ?? action.error} />
      <DataTable
        label="Members"
        rows={data ?? []}
        rowKey={(m) => m.account.id}
        columns={[
          { label: 'Name', rowHeader: true, sortBy: (m) => m.account.name, cell: (m) => m.account.name },
          { label: 'Role', sortBy: (m) => m.role, cell: (m) => m.role },
          {
            label: 'Environments',
            cell: (m) => (m.environments === null ? 'all' : m.environments.join(', ')),
          },
          ...(!manages
            ? []
            : [
                {
                  label: 'Actions',
                  actions: true,
                  cell: (m: Member) => (
                    <button
                      type="button"
                      onClick={async () => {
                        if (
                          await action.run(() => api.removeMember(project, m.account.id), `${m.account.name} removed`)
                        )
                          reload();
                      }}
                    >
                      Remove {m.account.name}
                    </button>
                  ),
                },
              ]),
        ]}
      />
      {manages && candidates.length > 0 && (
        <form
          aria-label="Give a role"
          onSubmit={async (event) => {
            event.preventDefault();
            const granted = await action.run(
              () =>
                api.setMember(project, accountId || candidates[0].id, {
                  role,
                  environments: only.length === 0 ? null : only,
                }),
              (m) => `${m.account.name} is ${m.role}`,
            );
            if (granted) {
              setOnly([]);
              reload();
            }
          }}
        >
          <h3>Give a role</h3>
          <label>
            Person
            <select value={accountId} onChange={(e) => setAccountId(e.currentTarget.value)}>
              {candidates.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name} ({a.email})
                </option>
              ))}
            </select>
          </label>
          <label>
            Role
            <select value={role} onChange={(e) => setRole(e.currentTarget.value as Member['role'])}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <fieldset>
            <legend>Only in these environments (none ticked: all)</legend>
            {environments.map((e) => (
              <label key={e.key} class="check">
                <input
                  type="checkbox"
                  checked={only.includes(e.key)}
                  onChange={(event) =>
                    setOnly(event.currentTarget.checked ? [...only, e.key] : only.filter((k) => k !== e.key))
                  }
                />
                {e.name}
              </label>
            ))}
          </fieldset>
          <button type="submit" class="primary" disabled={action.busy}>
            Give the role
          </button>
        </form>
      )}
    </section>
  );
}

/** The signed-in person's sessions and personal tokens; nothing for an API key, which has neither. */
function OwnCredentials() {
  const sessions = useLoad(() => api.sessions(), []);
  const tokens = useLoad(() => api.tokens(), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<(PersonalToken & { secret: string }) | null>(null);
  const action = useAction();
  if (refusedFor(sessions.error)) return null;
  return (
    <section aria-labelledby="own-heading">
      <h2 id="own-heading">Your sessions and tokens</h2>
      <ProblemMessage error={sessions.error ?? tokens.error ?? action.error} />
      <DataTable
        label="Your sessions"
        rows={sessions.data ?? []}
        rowKey={(s) => s.id}
        columns={[
          {
            label: 'Signed in',
            rowHeader: true,
            sortBy: (s) => s.created_at,
            cell: (s) => `${formatDate(s.created_at)}${s.current ? ' (this one)' : ''}`,
          },
          { label: 'From', cell: (s) => [s.address, s.user_agent].filter(Boolean).join(' · ') },
          { label: 'Last seen', sortBy: (s) => s.last_seen_at, cell: (s) => formatDate(s.last_seen_at) },
          {
            label: 'Actions',
            actions: true,
            cell: (s) =>
              s.current ? (
                ''
              ) : (
                <button
                  type="button"
                  onClick={async () => {
                    if (await action.run(() => api.endSession(s.id), 'Session ended')) sessions.reload();
                  }}
                >
                  End the session of {formatDate(s.created_at)}
                </button>
              ),
          },
        ]}
      />
      {created && (
        <div class="card success" role="status">
          <p>
            Token <strong>{created.name}</strong> created. Copy it now: it is not shown again.
          </p>
          <p class="row">
            <code data-testid="token-secret">{created.secret}</code>
            <Copy text={created.secret} label={`Copy the token ${created.name}`} />
          </p>
        </div>
      )}
      <DataTable
        label="Your personal tokens"
        rows={tokens.data ?? []}
        rowKey={(t) => t.id}
        rowClass={(t) => (t.revoked_at ? 'revoked' : undefined)}
        columns={[
          { label: 'Name', rowHeader: true, sortBy: (t) => t.name, cell: (t) => t.name },
          { label: 'Prefix', cell: (t) => <code>{t.prefix}</code> },
          {
            label: 'Last used',
            sortBy: (t) => t.last_used_at ?? '',
            cell: (t) => (t.last_used_at ? formatDate(t.last_used_at) : 'never'),
          },
          {
            label: 'Actions',
            actions: true,
            cell: (t) =>
              t.revoked_at ? (
                `revoked ${formatDate(t.revoked_at)}`
              ) : (
                <button
                  type="button"
                  onClick={async () => {
                    if (await action.run(() => api.revokeToken(t.id), `Token ${t.name} revoked`)) tokens.reload();
                  }}
                >
                  Revoke {t.name}
                </button>
              ),
          },
        ]}
      />
      <form
        aria-label="New personal token"
        onSubmit={async (event) => {
          event.preventDefault();
          const made = await action.run(
            () => api.createToken(name.trim()),
            (t) => `Token ${t.name} created`,
          );
          if (made) {
            setCreated(made);
            setName('');
            tokens.reload();
          }
        }}
      >
        <TextField label="Token name" value={name} onText={setName} required />
        <p class="hint">For scripts and CI: it does what you may do, as long as your account is active.</p>
        <button type="submit" disabled={action.busy}>
          Create token
        </button>
      </form>
    </section>
  );
}
