import { useState } from 'preact/hooks';
import { ProblemMessage } from '../components.js';

/** Paste an API key: kept in this tab's sessionStorage and sent as a Bearer token, never stored elsewhere. */
export function SignIn({ error, onSignIn }: { error?: unknown; onSignIn: (key: string) => Promise<void> }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <main class="page narrow" id="main">
      <h1>Feature flags</h1>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          await onSignIn(key.trim());
          setBusy(false);
        }}
      >
        <label>
          API key
          <input
            type="password"
            name="api-key"
            autoComplete="off"
            required
            value={key}
            onInput={(event) => setKey(event.currentTarget.value)}
          />
        </label>
        <p class="hint">
          An admin key changes flags; an evaluate key shows read-only answers. The key stays in this tab only.
        </p>
        <p class="hint">
          Where a key comes from: the <code>ADMIN_API_KEY</code> this service was started with, or a key an admin made
          under API keys in this dashboard (or with <code>POST /api-keys</code>). Ask whoever runs the service.
        </p>
        <ProblemMessage error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
