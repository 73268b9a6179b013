import { useState } from 'preact/hooks';
import { api, type AuditEntry } from '../api.js';
import { EmptyState, ProblemMessage, useAction, useLoad } from '../components.js';
import { fromLocalInput, timeZone } from '../logic/time.js';
import { usePlace } from '../place.js';
import { EntryList } from './history.js';

interface Filter {
  flag: string;
  actor: string;
  since: string;
  until: string;
}

export function AuditPage() {
  const { project } = usePlace();
  const [draft, setDraft] = useState<Filter>({ flag: '', actor: '', since: '', until: '' });
  const [filter, setFilter] = useState<Filter>(draft);
  const [older, setOlder] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<number | null>(null);
  const query = (from?: number) =>
    api.audit({
      project,
      flag_name: filter.flag || undefined,
      actor: filter.actor || undefined,
      since: fromLocalInput(filter.since),
      until: fromLocalInput(filter.until),
      cursor: from,
    });
  const { data, error } = useLoad(async () => {
    const page = await query();
    setOlder([]);
    setCursor(page.next_cursor);
    return page;
  }, [project, JSON.stringify(filter)]);
  const more = useAction();
  const field = (name: keyof Filter) => ({
    value: draft[name],
    onInput: (e: { currentTarget: HTMLInputElement }) => setDraft({ ...draft, [name]: e.currentTarget.value }),
  });
  return (
    <>
      <h1>Audit log</h1>
      <form
        class="filters"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter(draft);
        }}
      >
        <label>
          Flag
          <input {...field('flag')} />
        </label>
        <label>
          Actor (key name)
          <input {...field('actor')} />
        </label>
        <label>
          From ({timeZone()})
          <input type="datetime-local" {...field('since')} />
        </label>
        <label>
          Until ({timeZone()})
          <input type="datetime-local" {...field('until')} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <ProblemMessage error={error ?? more.error} />
      {data && data.entries.length === 0 && (
        <EmptyState title="No changes match">
          <p>
            Widen the dates or clear a filter; every change made through the API or this dashboard is recorded here.
          </p>
        </EmptyState>
      )}
      {data && <EntryList entries={[...data.entries, ...older]} />}
      {cursor !== null && (
        <button
          type="button"
          disabled={more.busy}
          onClick={async () => {
            const page = await more.run(() => query(cursor));
            if (page) {
              setOlder([...older, ...page.entries]);
              setCursor(page.next_cursor);
            }
          }}
        >
          Older changes
        </button>
      )}
    </>
  );
}
