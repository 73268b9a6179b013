import { useMemo, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api as rootApi, type Flag } from '../api.js';
import { Confirm, PercentageInput, ProblemMessage, Switch, useAction, useLoad } from '../components.js';
import { useLiveChanges } from '../live.js';
import { commaList } from '../logic/conditions.js';
import { usePlace } from '../place.js';

type StatusFilter = 'all' | 'on' | 'off';

/**
 * The flags of one project and environment, filtered as the person types (in the browser: 1,000 flags
 * filter in well under a frame), kept current by the environment's event stream. Rows off screen are
 * not laid out (content-visibility), which keeps 1,000 rows as quick to render as a screenful.
 */
export function FlagsPage() {
  const place = usePlace();
  const { api, project, environment } = place;
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState<StatusFilter>('all');
  const [tag, setTag] = useState('');
  const [staleOnly, setStaleOnly] = useState(false);
  const { data, error, reload } = useLoad(
    () => api.flags(staleOnly ? { stale: true } : {}),
    [project, environment, staleOnly],
  );
  useLiveChanges(api.streamUrl, reload);
  const [toggling, setToggling] = useState<Flag | null>(null);
  const toggle = useAction();
  const flags = data?.flags ?? [];
  const tags = useMemo(() => [...new Set(flags.flatMap((f) => f.tags))].sort(), [flags]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return flags.filter(
      (f) =>
        (status === 'all' || f.status === (status === 'on')) &&
        (tag === '' || f.tags.includes(tag)) &&
        (q === '' || f.flag_name.toLowerCase().includes(q) || (f.description ?? '').toLowerCase().includes(q)),
    );
  }, [flags, query, status, tag]);
  const environmentName = place.environments.find((e) => e.key === environment)?.name ?? environment;

  return (
    <>
      <h1>Flags</h1>
      <NewFlag onCreated={reload} />
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
              checked={flag.status}
              label={`${flag.flag_name} in ${environmentName}`}
              onChange={() => setToggling(flag)}
            />
            <div class="grow">
              <Link href={`/flags/${encodeURIComponent(flag.flag_name)}`}>{flag.flag_name}</Link>
              {flag.description && <span class="hint"> — {flag.description}</span>}
            </div>
            <span class="tags">
              {flag.tags.map((t) => (
                <span class="tag" key={t}>
                  {t}
                </span>
              ))}
            </span>
            <span class="number">{flag.rollout_percentage}%</span>
          </li>
        ))}
      </ul>
      <Confirm
        open={toggling !== null}
        title={toggling ? `Turn ${toggling.flag_name} ${toggling.status ? 'off' : 'on'} in ${environmentName}?` : ''}
        confirmLabel={toggling?.status ? `Turn off in ${environmentName}` : `Turn on in ${environmentName}`}
        onCancel={() => setToggling(null)}
        onConfirm={async () => {
          const flag = toggling!;
          setToggling(null);
          if (await toggle.run(() => api.updateSettings(flag.flag_name, { status: !flag.status }))) reload();
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
            const made = await action.run(() =>
              rootApi.createFlag(project, {
                flag_name: name.trim(),
                description: description.trim() || undefined,
                tags: commaList(tags),
                variants: commaList(variants).map((key) => ({ key })),
                rollout_percentage: Number(percentage),
              }),
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
          <label>
            Name
            <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label>
            Description
            <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
          </label>
          <label>
            Tags (comma-separated)
            <input value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
          </label>
          <label>
            Variants (comma-separated keys, for A/B tests; none for on/off)
            <input value={variants} onInput={(e) => setVariants(e.currentTarget.value)} />
          </label>
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
