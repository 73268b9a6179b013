import { useState } from 'preact/hooks';
import type { Evaluation, JsonValue } from '../api.js';
import { ProblemMessage, useAction, TextField } from '../components.js';
import { usePlace } from '../place.js';

/** The attributes a person types as JSON; a clear message instead of a request when it is not an object. */
export function parseAttributes(text: string): Record<string, JsonValue> {
  let value: unknown;
  try {
    value = JSON.parse(text.trim() || '{}');
  } catch {
    throw new Error('Attributes must be JSON, for example {"plan": "pro", "country": "DE"}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('Attributes must be a JSON object, for example {"plan": "pro"}');
  return value as Record<string, JsonValue>;
}

export function AttributesField({ value, onInput }: { value: string; onInput: (value: string) => void }) {
  return (
    <label>
      Attributes (JSON)
      <textarea rows={3} spellcheck={false} value={value} onInput={(e) => onInput(e.currentTarget.value)} />
    </label>
  );
}

/** "Evaluate for a user": the answer this environment gives, with reason, bucket and variant. */
export function EvaluatePanel({ flag }: { flag: string }) {
  const { api } = usePlace();
  const [userId, setUserId] = useState('');
  const [attributes, setAttributes] = useState('{}');
  const [answer, setAnswer] = useState<Evaluation | null>(null);
  const action = useAction();
  return (
    <section aria-labelledby="evaluate-title">
      <h2 id="evaluate-title">Evaluate for a user</h2>
      <form
        class="inline"
        onSubmit={async (event) => {
          event.preventDefault();
          const result = await action.run(async () => api.evaluate(flag, userId, parseAttributes(attributes)));
          if (result) setAnswer(result);
        }}
      >
        <TextField label="User id" value={userId} onText={setUserId} required />
        <AttributesField value={attributes} onInput={setAttributes} />
        <button type="submit" disabled={action.busy}>
          Evaluate
        </button>
      </form>
      <ProblemMessage error={action.error} />
      {answer && (
        <dl class="answer" aria-live="polite">
          <dt>Answer</dt>
          <dd data-testid="answer">{answer.enabled ? 'on' : 'off'}</dd>
          <dt>Reason</dt>
          <dd>{answer.reason}</dd>
          <dt>Bucket</dt>
          <dd>{answer.bucket.toFixed(2)}</dd>
          <dt>Variant</dt>
          <dd>{answer.variant ?? '—'}</dd>
          {answer.value !== undefined && answer.value !== null && (
            <>
              <dt>Value</dt>
              <dd>
                <code>{JSON.stringify(answer.value)}</code>
              </dd>
            </>
          )}
        </dl>
      )}
    </section>
  );
}
