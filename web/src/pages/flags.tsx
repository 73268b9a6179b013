import { useMemo, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api as rootApi, type FlagDefinition, type FlagKind } from '../api.js';
import { Confirm, PercentageInput, ProblemMessage, Switch, useAction, useLoad, TextField } from '../components.js';
import { useLiveChanges } from '../live.js';
import { commaList } from '../logic/conditions.js';
import { sortRows, type SortValue } from '../logic/sort.js';
import { FlagFacts, kindName } from './flag-facts.js';
import { FirstRunGuide } from './guide.js';
import { usePlace } from '../place.js';

type StatusFilter = 'all' | 'on' | 'off';
type SortOrder = 'name' | 'evaluated' | 'newest';
const KINDS: FlagKind[] = ['release', 'experiment', 'operational', 'kill_switch', 'permission'];

/** A flag as the list shows it: its definition, and its state in the chosen environment. */
type Row = FlagDefinition & { here: FlagDefinition['environments'][string] };

const SORTS: Record<SortOrder, (row: Row) => SortValue> = {
  name: (row) => row.flag_name,
  // Most recently evaluated first; never evaluated last.
  evaluated: (row) => (row.here.last_evaluated_at === null ? null : -Date.parse(row.here.last_evaluated_at)),
  newest: (row) => -Date.parse(row.created_at),
};

/**
 * The flags of one project, with their state in the chosen environment: kind, when last evaluated,
 * why stale; filtered as the person types (in the browser: 1,000 flags filter in well under a frame),
 * kept current by the environment's event stream. Rows off screen are not laid out
 * (content-visibility), which keeps 1,000 rows as quick to render as a screenful.
 */
export function FlagsPage() {
  const place = usePlace();
  const { api, project, environment } = place;
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState<StatusFilter>('all');
  const [tag, setTag] = useState('');
  const [kind, setKind] = useState('');
  const [staleOnly, setStaleOnly] = useState(false);
  const [sort, setSort] = useState<SortOrder>('name');
  const { data, error, reload } = useLoad(() => rootApi.definitions(project), [project]);
  useLiveChanges(api.streamUrl, reload);
  const [toggling, setToggling] = useState<Row | null>(null);
  const toggle = useAction();
  const flags = useMemo(
    () =>
      (data?.flags ?? []).flatMap((f) =>
        f.environments[environment] ? [{ ...f, here: f.environments[environment] }] : [],
      ),
    [data, environment],
  );
  const tags = useMemo(() => [...new Set(flags.flatMap((f) => f.tags))].sort(), [flags]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    const matching = flags.filter(
      (f) =>
        (status === 'all' || f.here.status === (status === 'on')) &&
        (tag === '' || f.tags.includes(tag)) &&
        (kind === '' || f.kind === kind) &&
        (!staleOnly || f.stale !== null) &&
        (q === '' || f.flag_name.toLowerCase().includes(q) || (f.description ?? '').toLowerCase().includes(q)),
    );
    return sortRows(matching, SORTS[sort], 'ascending');
  }, [flags, query, status, tag, kind, staleOnly, sort]);
  const environmentName = place.environments.find((e) => e.key === environment)?.name ?? environment;
  const now = Date.now();

  return (
    <>
      <h1>Flags</h1>
      <NewFlag onCreated={reload} />
      {data && flags.length === 0 && <FirstRunGuide />}
      <div class="filters" role="search">
        <label>
          Search
          <input type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value as StatusFilter)}>
            <option value="all">All</option>
            <option value="on">On</option>
            <option value="off">Off</option>
          </select>
        </label>
        <label>
          Tag
          <select value={tag} onChange={(e) => setTag(e.currentTarget.value)}>
            <option value="">Any</option>
            {tags.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Kind
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
            <option value="">Any</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {kindName(k)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(e) => setSort(e.currentTarget.value as SortOrder)}>
            <option value="name">A to Z</option>
            <option value="evaluated">Last evaluated</option>
            <option value="newest">Newest first</option>
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked={staleOnly} onChange={(e) => setStaleOnly(e.currentTarget.checked)} />
          Stale only
        </label>
      </div>
      <ProblemMessage error={error ?? toggle.error} />
      <p aria-live="polite" class="hint">
        {data ? `${shown.length} of ${flags.length} flags` : 'Loading…'}
      </p>
      <ul class="flag-list" aria-label="Flags">
        {shown.map((flag) => (
          <li key={flag.flag_name} class="flag-row">
            <Switch
              checked={flag.here.status}
              label={`${flag.flag_name} in ${environmentName}`}
              onChange={() => setToggling(flag)}
            />
            <div class="grow">
              <Link href={`/flags/${encodeURIComponent(flag.flag_name)}`}>{flag.flag_name}</Link>
              {flag.description && <span class="hint"> — {flag.description}</span>}
              <FlagFacts definition={flag} environment={environment} environmentName={environmentName} now={now} />
            </div>
            <span class="tags">
              {flag.tags.map((t) => (
                <button
                  type="button"
                  class="tag"
                  key={t}
                  aria-pressed={tag === t}
                  onClick={() => setTag(tag === t ? '' : t)}
                >
                  {t}
                </button>
              ))}
            </span>
            <span class="number">{flag.here.rollout_percentage}%</span>
          </li>
        ))}
      </ul>
      <Confirm
        open={toggling !== null}
        title={
          toggling ? `Turn ${toggling.flag_name} ${toggling.here.status ? 'off' : 'on'} in ${environmentName}?` : ''
        }
        confirmLabel={toggling?.here.status ? `Turn off in ${environmentName}` : `Turn on in ${environmentName}`}
        onCancel={() => setToggling(null)}
        onConfirm={async () => {
          const flag = toggling!;
          setToggling(null);
          const on = !flag.here.status;
          const done = await toggle.run(
            () => api.updateSettings(flag.flag_name, { status: on }),
            `${flag.flag_name} turned ${on ? 'on' : 'off'} in ${environmentName}`,
          );
          if (done) reload();
        }}
      >
        <p>This changes the answer for every user of {environmentName} within a second.</p>
      </Confirm>
    </>
  );
}

function NewFlag({ onCreated }: { onCreated: () => void }) {
  const { project } = usePlace();
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState('');
  const [variants, setVariants] = useState('');
  // 0 by default: turning a new flag on then reaches nobody until someone chooses how many.
  const [percentage, setPercentage] = useState('0');
  const action = useAction();
  return (
    <>
      {created && (
        <p class="card success" role="status">
          Flag <strong>{created}</strong> created: it is off in every environment until it is turned on from its page.
        </p>
      )}
      <details class="card" open={open} onToggle={(event) => setOpen(event.currentTarget.open)}>
        <summary>New flag</summary>
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            const made = await action.run(
              () =>
                rootApi.createFlag(project, {
                  flag_name: name.trim(),
                  description: description.trim() || undefined,
                  tags: commaList(tags),
                  variants: commaList(variants).map((key) => ({ key })),
                  rollout_percentage: Number(percentage),
                }),
              (flag) => `Flag ${flag.flag_name} created`,
            );
            if (made) {
              setCreated(made.flag_name);
              setOpen(false);
              setName('');
              setDescription('');
              setTags('');
              setVariants('');
              setPercentage('0');
              onCreated();
            }
          }}
        >
          <TextField label="Name" value={name} onText={setName} required />
          <TextField label="Description" value={description} onText={setDescription} />
          <TextField label="Tags (comma-separated)" value={tags} onText={setTags} />
          <TextField
            label="Variants (comma-separated keys, for A/B tests; none for on/off)"
            value={variants}
            onText={setVariants}
          />
          <label>
            Users who get it once turned on (%)
            <PercentageInput required value={percentage} onText={setPercentage} />
          </label>
          <p class="hint">
            The flag starts off in every environment, its variants split equally. Turned on there, it reaches{' '}
            {percentage || 0}% of users until the percentage is changed on its page.
          </p>
          <ProblemMessage error={action.error} />
          <button type="submit" class="primary" disabled={action.busy}>
            Create flag
          </button>
        </form>
      </details>
    </>
  );
}
