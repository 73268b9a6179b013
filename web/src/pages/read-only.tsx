import { useState } from 'preact/hooks';
import { api, type FlagAnswers } from '../api.js';
import { ProblemMessage, useAction } from '../components.js';
import { AttributesField, parseAttributes } from './evaluate.js';

/**
 * What an evaluate key may see: the answers for a user in the key's own environment. It cannot list or
 * change flags, so the dashboard says so instead of showing pages that would only fail.
 */
export function ReadOnlyPage({ onSignOut }: { onSignOut: () => void }) {
  const [userId, setUserId] = useState('');
  const [attributes, setAttributes] = useState('{}');
  const [answers, setAnswers] = useState<FlagAnswers | null>(null);
  const action = useAction();
  return (
    <main class="page" id="main">
      <header class="row">
        <h1>Feature flags (read-only)</h1>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <p class="banner" role="status">
        This is an evaluate key: it reads the answers of its environment and changes nothing. Sign in with an admin key
        to manage flags.
      </p>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const result = await action.run(() => api.evaluateForKey(userId, parseAttributes(attributes)));
          if (result) setAnswers(result.flags);
        }}
      >
        <label>
          User id
          <input required value={userId} onInput={(e) => setUserId(e.currentTarget.value)} />
        </label>
        <AttributesField value={attributes} onInput={setAttributes} />
        <ProblemMessage error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Evaluate every flag
        </button>
      </form>
      {answers && (
        <table>
          <caption>Answers for {userId}</caption>
          <thead>
            <tr>
              <th scope="col">Flag</th>
              <th scope="col">On</th>
              <th scope="col">Reason</th>
              <th scope="col">Variant</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(answers).map(([name, answer]) => (
              <tr key={name}>
                <th scope="row">{name}</th>
                <td data-label="On">{answer.enabled ? 'on' : 'off'}</td>
                <td data-label="Reason">{answer.reason}</td>
                <td data-label="Variant">{answer.variant ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
