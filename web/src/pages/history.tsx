import type { AuditEntry } from '../api.js';
import { api } from '../api.js';
import { formatDate, ProblemMessage, useLoad } from '../components.js';
import { changes, show } from '../logic/diff.js';
import { usePlace } from '../place.js';

/** One audit entry's before and after, field by field. */
export function EntryDiff({ entry }: { entry: AuditEntry }) {
  const fields = changes(entry.before, entry.after);
  if (fields.length === 0) return null;
  return (
    <table class="diff">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {fields.map((change) => (
          <tr key={change.field}>
            <th scope="row">{change.field}</th>
            <td class="before">
              <code>{show(change.before)}</code>
            </td>
            <td class="after">
              <code>{show(change.after)}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function EntryList({ entries }: { entries: AuditEntry[] }) {
  return (
    <ol class="entries">
      {entries.map((entry) => (
        <li key={entry.id} class="card">
          <p>
            <strong>{entry.action}</strong> {entry.target}
            {entry.environment && <> in {entry.environment}</>} by {entry.actor.name},{' '}
            <time dateTime={entry.at}>{formatDate(entry.at)}</time>
          </p>
          <EntryDiff entry={entry} />
        </li>
      ))}
    </ol>
  );
}

/** The flag's changes in this project, newest first. */
/** Reloaded whenever `version` (the flag as loaded) changes. */
export function History({ flag, version }: { flag: string; version: unknown }) {
  const { project } = usePlace();
  const { data, error } = useLoad(() => api.audit({ flag_name: flag, project }), [flag, project, version]);
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <ProblemMessage error={error} />
      {data && <EntryList entries={data.entries} />}
    </section>
  );
}
