import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ProblemMessage, TextField } from '../components.js';

/** The one-time token a link carries in its fragment, which the browser never sends to any server. */
const tokenFromLink = (): string => new URLSearchParams(location.hash.slice(1)).get('token') ?? '';

const PASSWORD_HINT = '15 characters at least: a passphrase of a few words is best.';

/**
 * The links people are handed: the first owner's setup (printed in the service's log), an invitation,
 * a password reset. Each sets a password and signs the person in.
 */
export function AccountLinkPage({ kind, onSignedIn }: { kind: 'setup' | 'accept' | 'reset'; onSignedIn: () => void }) {
  const [token] = useState(tokenFromLink);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const title = { setup: 'Set up the first owner', accept: 'Accept your invitation', reset: 'Choose a new password' }[
    kind
  ];
  const submit = async () => {
    if (kind === 'setup') await api.setUp({ token, email: email.trim(), name: name.trim(), password });
    else await api.acceptLink({ token, password, ...(kind === 'accept' && name.trim() && { name: name.trim() }) });
    // The token is used up: keep it out of the history.
    history.replaceState(null, '', '/ui/');
    onSignedIn();
  };
  return (
    <main class="page narrow" id="main">
      <h1>{title}</h1>
      {token === '' ? (
        <p role="alert">This link has no token: open the whole link you were given.</p>
      ) : (
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            setBusy(true);
            setError(undefined);
            try {
              await submit();
            } catch (failure) {
              setError(failure);
            } finally {
              setBusy(false);
            }
          }}
        >
          {kind === 'setup' && (
            <p class="hint">
              The owner holds every permission and invites everyone else. Open access ends once this account exists.
            </p>
          )}
          {kind === 'setup' && (
            <TextField label="Email" type="email" autoComplete="username" required value={email} onText={setEmail} />
          )}
          {kind !== 'reset' && (
            <TextField label="Name" autoComplete="name" required={kind === 'setup'} value={name} onText={setName} />
          )}
          <TextField
            label="Password"
            type="password"
            autoComplete="new-password"
            required
            minLength={15}
            value={password}
            onText={setPassword}
          />
          <p class="hint">{PASSWORD_HINT}</p>
          <ProblemMessage error={error} />
          <button type="submit" class="primary" disabled={busy}>
            {kind === 'setup'
              ? 'Create the owner account'
              : kind === 'accept'
                ? 'Accept and sign in'
                : 'Set the password'}
          </button>
        </form>
      )}
    </main>
  );
}
