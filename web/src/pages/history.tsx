import type { AuditEntry } from '../api.js';
import { api } from '../api.js';
import { formatDate, ProblemMessage, useLoad } from '../components.js';
import { show } from '../logic/diff.js';
import { entrySentence, meaningfulChanges } from '../logic/history.js';
import { usePlace } from '../place.js';

/** Fields before and after a change, one row each. */
export function DiffTable({
  rows,
  before = 'Before',
  after = 'After',
}: {
  rows: readonly { field: string; before: unknown; after: unknown }[];
  before?: string;
  after?: string;
}) {
  if (rows.length === 0) return null;
  return (
    <table class="diff">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">{before}</th>
          <th scope="col">{after}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.field}>
            <th scope="row">{row.field}</th>
            <td class="before" data-label={before}>
              <code>{show(row.before)}</code>
            </td>
            <td class="after" data-label={after}>
              <code>{show(row.after)}</code>
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
            <strong>{entrySentence(entry)}</strong>
            <br />
            <time dateTime={entry.at} class="hint">
              {formatDate(entry.at)}
            </time>
          </p>
          <DiffTable rows={meaningfulChanges(entry)} />
          <details>
            <summary>Raw JSON</summary>
            <pre>{JSON.stringify({ action: entry.action, before: entry.before, after: entry.after }, null, 2)}</pre>
          </details>
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
