import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ProblemMessage, TextField } from '../components.js';

/**
 * Sign in with an email and a password (the session cookie is HttpOnly: this page never holds it),
 * or paste an API key: kept in this tab's sessionStorage and sent as a Bearer token.
 */
export function SignIn({
  error,
  onSignIn,
  onSignedIn,
}: {
  error?: unknown;
  onSignIn: (key: string) => Promise<void>;
  onSignedIn: () => Promise<void>;
}) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<unknown>();
  return (
    <main class="page narrow" id="main">
      <h1>Feature flags</h1>
      <form
        aria-label="Sign in with your account"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setRefused(undefined);
          try {
            await api.login(email.trim(), password);
            await onSignedIn();
          } catch (failure) {
            setRefused(failure);
          } finally {
            setBusy(false);
          }
        }}
      >
        <TextField label="Email" type="email" autoComplete="username" required value={email} onText={setEmail} />
        <TextField
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onText={setPassword}
        />
        <ProblemMessage error={refused} />
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
        <p class="hint">No account yet? Ask an owner of this service for an invitation link.</p>
      </form>
      <details>
        <summary>Sign in with an API key instead</summary>
        <form
          aria-label="Sign in with a key"
          onSubmit={async (event) => {
            event.preventDefault();
            setBusy(true);
            await onSignIn(key.trim());
            setBusy(false);
          }}
        >
          <TextField label="API key" type="password" autoComplete="off" required value={key} onText={setKey} />
          <p class="hint">
            An admin key changes flags; an evaluate key shows read-only answers. The key stays in this tab only.
          </p>
          <p class="hint">
            Where a key comes from: the <code>ADMIN_API_KEY</code> this service was started with, or a key an admin made
            under API keys in this dashboard (or with <code>POST /api-keys</code>). Ask whoever runs the service.
          </p>
          <ProblemMessage error={error} />
          <button type="submit" disabled={busy}>
            Sign in with the key
          </button>
        </form>
      </details>
    </main>
  );
}
