import { useState } from 'preact/hooks';
import { api, type FlagAnswers } from '../api.js';
import { ProblemMessage, useAction, TextField } from '../components.js';
import { DataTable } from '../data-table.js';
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
        <TextField label="User id" value={userId} onText={setUserId} required />
        <AttributesField value={attributes} onInput={setAttributes} />
        <ProblemMessage error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Evaluate every flag
        </button>
      </form>
      {answers && (
        <DataTable
          label={`Answers for ${userId}`}
          rows={Object.entries(answers)}
          rowKey={([name]) => name}
          initialSort={{ column: 0, direction: 'ascending' }}
          columns={[
            { label: 'Flag', rowHeader: true, sortBy: ([name]) => name, cell: ([name]) => name },
            {
              label: 'On',
              sortBy: ([, answer]) => (answer.enabled ? 'on' : 'off'),
              cell: ([, answer]) => (answer.enabled ? 'on' : 'off'),
            },
            { label: 'Reason', sortBy: ([, answer]) => answer.reason, cell: ([, answer]) => answer.reason },
            { label: 'Variant', cell: ([, answer]) => answer.variant ?? '—' },
          ]}
        />
      )}
    </main>
  );
}
