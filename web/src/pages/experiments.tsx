import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import type { Experiment, Flag, Metric, Results } from '../api.js';
import { IntervalPlot, LineChart } from '../charts.js';
import { Confirm, EmptyState, formatDate, ProblemMessage, useAction, useLoad, TextField } from '../components.js';
import { DataTable } from '../data-table.js';
import { variantLabel, wordVerdict } from '../logic/results.js';
import { usePlace } from '../place.js';

export function ExperimentsPage() {
  const { api, project, environment, environments } = usePlace();
  const { data, error, reload } = useLoad(() => api.experiments(), [project, environment]);
  const { data: flags } = useLoad(() => api.flags(), [project, environment]);
  // An experiment on a flag that is off here gets no exposures: starting it asks first.
  const [startingOnOffFlag, setStartingOnOffFlag] = useState<Experiment | null>(null);
  const action = useAction();
  const start = async (experiment: Experiment) => {
    setStartingOnOffFlag(null);
    if (await action.run(() => api.startExperiment(experiment.key), `${experiment.key} started`)) reload();
  };
  const isOff = (flagName: string) => flags?.flags.find((f) => f.flag_name === flagName)?.status === false;
  const environmentName = environments.find((e) => e.key === environment)?.name ?? environment;
  return (
    <>
      <h1>Experiments</h1>
      <ProblemMessage error={error ?? action.error} />
      <Confirm
        open={startingOnOffFlag !== null}
        title={`Start ${startingOnOffFlag?.key} while ${startingOnOffFlag?.flag_name} is off in ${environmentName}?`}
        confirmLabel="Start anyway"
        onConfirm={() => startingOnOffFlag && start(startingOnOffFlag)}
        onCancel={() => setStartingOnOffFlag(null)}
      >
        <p>
          Nobody gets a variant of a flag that is off, so no user enters the experiment and its results stay empty until
          the flag is turned on in {environmentName}.
        </p>
      </Confirm>
      {data?.length === 0 ? (
        <EmptyState title={`No experiments in ${environmentName} yet`}>
          <p>
            An experiment compares the variants of a flag: create one below on a flag with two variants or more, then
            start it.
          </p>
        </EmptyState>
      ) : (
        <DataTable
          label="Experiments"
          rows={data ?? []}
          rowKey={(experiment) => experiment.key}
          columns={[
            {
              label: 'Experiment',
              rowHeader: true,
              sortBy: (experiment) => experiment.key,
              cell: (experiment) => (
                <Link href={`/experiments/${encodeURIComponent(experiment.key)}`}>{experiment.key}</Link>
              ),
            },
            { label: 'Flag', sortBy: (experiment) => experiment.flag_name, cell: (experiment) => experiment.flag_name },
            { label: 'Status', sortBy: (experiment) => experiment.status, cell: (experiment) => experiment.status },
            {
              label: 'Started',
              sortBy: (experiment) => experiment.started_at,
              cell: (experiment) => (experiment.started_at ? formatDate(experiment.started_at) : '—'),
            },
            {
              label: 'Actions',
              actions: true,
              cell: (experiment) => (
                <>
                  {experiment.status === 'draft' && (
                    <button
                      type="button"
                      onClick={() =>
                        isOff(experiment.flag_name) ? setStartingOnOffFlag(experiment) : start(experiment)
                      }
                    >
                      Start {experiment.key}
                    </button>
                  )}
                  {experiment.status === 'running' && (
                    <button
                      type="button"
                      onClick={async () =>
                        (await action.run(() => api.stopExperiment(experiment.key), `${experiment.key} stopped`)) &&
                        reload()
                      }
                    >
                      Stop {experiment.key}
                    </button>
                  )}
                </>
              ),
            },
          ]}
        />
      )}
      <NewExperiment flags={flags?.flags} onCreated={reload} />
    </>
  );
}

/** `flags`: the page's list of this environment's flags, loaded once for the list and this form. */
function NewExperiment({ flags, onCreated }: { flags: Flag[] | undefined; onCreated: () => void }) {
  const { api } = usePlace();
  const [key, setKey] = useState('');
  const [flagName, setFlagName] = useState('');
  const [control, setControl] = useState('');
  const [hypothesis, setHypothesis] = useState('');
  const [metrics, setMetrics] = useState<Pick<Metric, 'key' | 'event' | 'type'>[]>([
    { key: '', event: '', type: 'binomial' },
  ]);
  const action = useAction();
  const withVariants = (flags ?? []).filter((f) => f.variants.length >= 2);
  const variants = withVariants.find((f) => f.flag_name === flagName)?.variants ?? [];
  const setMetric = (i: number, patch: Partial<Metric>) =>
    setMetrics(metrics.map((m, j) => (j === i ? { ...m, ...patch } : m)));
  return (
    <section aria-labelledby="new-experiment" class="card">
      <h2 id="new-experiment">New experiment</h2>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const created = await action.run(
            () =>
              api.createExperiment({
                key: key.trim(),
                flag_name: flagName,
                control: control || variants[0]?.key || '',
                metrics,
                hypothesis: hypothesis.trim() || null,
              }),
            (made) => `Experiment ${made.key} created`,
          );
          if (created) {
            setKey('');
            setHypothesis('');
            onCreated();
          }
        }}
      >
        <TextField label="Key" value={key} onText={setKey} required />
        <label>
          Flag (with variants)
          <select required value={flagName} onChange={(e) => (setFlagName(e.currentTarget.value), setControl(''))}>
            <option value="">Choose a flag</option>
            {withVariants.map((f) => (
              <option key={f.flag_name}>{f.flag_name}</option>
            ))}
          </select>
        </label>
        <label>
          Control variant
          <select value={control || variants[0]?.key || ''} onChange={(e) => setControl(e.currentTarget.value)}>
            {variants.map((v) => (
              <option key={v.key}>{v.key}</option>
            ))}
          </select>
        </label>
        <TextField label="Hypothesis" value={hypothesis} onText={setHypothesis} />
        {metrics.map((metric, i) => (
          <fieldset key={i} class="row">
            <legend>Metric {i + 1}</legend>
            <label>
              Metric key
              <input required value={metric.key} onInput={(e) => setMetric(i, { key: e.currentTarget.value })} />
            </label>
            <label>
              Event
              <input required value={metric.event} onInput={(e) => setMetric(i, { event: e.currentTarget.value })} />
            </label>
            <label>
              Type
              <select
                value={metric.type}
                onChange={(e) => setMetric(i, { type: e.currentTarget.value as Metric['type'] })}
              >
                <option value="binomial">conversion (binomial)</option>
                <option value="mean">value (mean)</option>
              </select>
            </label>
            {metrics.length > 1 && (
              <button type="button" onClick={() => setMetrics(metrics.filter((_, j) => j !== i))}>
                Remove metric {i + 1}
              </button>
            )}
          </fieldset>
        ))}
        <button type="button" onClick={() => setMetrics([...metrics, { key: '', event: '', type: 'binomial' }])}>
          Add metric
        </button>
        <ProblemMessage error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Create experiment
        </button>
      </form>
    </section>
  );
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
const interval = ([low, high]: [number, number]) => `${percent(low)} to ${percent(high)}`;
/** A statistic the service could not compute is null: shown as a dash, with the metric's warning above. */
const orDash = <T,>(value: T | null | undefined, show: (value: T) => string) =>
  value === null || value === undefined ? '—' : show(value);

export function ExperimentPage({ experimentKey }: { experimentKey: string }) {
  const { api, project, environment } = usePlace();
  const experiment = useLoad(() => api.experiment(experimentKey), [experimentKey, project, environment]);
  const results = useLoad(() => api.results(experimentKey), [experimentKey, project, environment]);
  const control = experiment.data?.control ?? '';
  return (
    <>
      <p>
        <Link href="/experiments">← Experiments</Link>
      </p>
      <h1>{experimentKey}</h1>
      <ProblemMessage error={experiment.error ?? results.error} />
      {experiment.data && (
        <p class="hint">
          On flag {experiment.data.flag_name}, against {control}; {experiment.data.status}
          {experiment.data.hypothesis && <> — {experiment.data.hypothesis}</>}
        </p>
      )}
      <button type="button" onClick={results.reload}>
        Refresh results
      </button>
      {results.data && <ResultsView results={results.data} control={control} />}
    </>
  );
}

const dayLabel = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

function ResultsView({ results, control }: { results: Results; control: string }) {
  const words = wordVerdict(results.verdict, control);
  return (
    <>
      <section class={`card verdict tone-${words.tone}`} data-testid="verdict" aria-labelledby="verdict-headline">
        <h2 id="verdict-headline">{words.headline}</h2>
        <p>{results.verdict.reason}.</p>
        <p class="hint">
          Decided on {results.metrics[0]?.metric}, the first metric. Computed {formatDate(results.computed_at)}:{' '}
          {results.variants.map((v) => `${variantLabel(v.key, control)} ${v.users} users`).join(', ')}.
        </p>
      </section>
      {results.warnings.map((w) => (
        <p key={w} class="warning">
          {w}
        </p>
      ))}
      {results.metrics.map((metric, index) => (
        <MetricView
          key={metric.metric}
          metric={metric}
          control={control}
          // The verdict is the first metric's: only there does it mark a variant.
          leader={index === 0 ? words.leader : null}
        />
      ))}
    </>
  );
}

function MetricView({
  metric,
  control,
  leader,
}: {
  metric: Results['metrics'][number];
  control: string;
  leader: string | null;
}) {
  const rateOf = (v: (typeof metric.variants)[number]) => (metric.type === 'binomial' ? v.rate : v.mean) ?? 0;
  const format = metric.type === 'binomial' ? percent : (v: number) => v.toFixed(2);
  const measure = metric.type === 'binomial' ? 'conversion rate' : 'mean';
  const rateHeading = metric.type === 'binomial' ? 'Conversion rate' : 'Mean';
  return (
    <section class="card" aria-labelledby={`metric-${metric.metric}`}>
      <h2 id={`metric-${metric.metric}`}>{metric.metric}</h2>
      {metric.warnings.map((w) => (
        <p key={w} class="warning">
          {w}
        </p>
      ))}
      <table>
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col">Users</th>
            <th scope="col">{rateHeading}</th>
            <th scope="col">Uplift (95% interval)</th>
            <th scope="col">Chance to win</th>
            <th scope="col">p-value</th>
          </tr>
        </thead>
        <tbody>
          {metric.variants.map((v) => (
            <tr key={v.key} class={leader === v.key ? 'leader' : undefined}>
              <th scope="row">{variantLabel(v.key, control)}</th>
              <td data-label="Users">{v.users}</td>
              <td data-label={rateHeading}>
                {format(rateOf(v))}{' '}
                <span class="hint">
                  ({format(v.interval[0])} to {format(v.interval[1])})
                </span>
              </td>
              <td data-label="Uplift (95% interval)">
                {v.key === control ? 'baseline' : orDash(v.relative?.estimate, percent)}
                {v.relative?.frequentist.ci && ` (${interval(v.relative.frequentist.ci)})`}
              </td>
              <td data-label="Chance to win">{orDash(v.relative?.bayesian.chance_to_win, percent)}</td>
              <td data-label="p-value">{orDash(v.relative?.frequentist.p_value, (p) => p.toPrecision(2))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <IntervalPlot
        title={`${metric.metric}: each variant's ${measure} with its 95% interval`}
        format={format}
        aroundZero={false}
        rows={metric.variants.map((v) => ({
          label: variantLabel(v.key, control),
          estimate: rateOf(v),
          low: v.interval[0],
          high: v.interval[1],
          good: leader === v.key ? true : null,
        }))}
      />
      <IntervalPlot
        title={`${metric.metric}: uplift against ${control} with 95% intervals`}
        format={percent}
        rows={metric.variants.flatMap((v) => {
          const estimate = v.relative?.estimate;
          const ci = v.relative?.frequentist.ci;
          if (estimate == null || !ci) return [];
          const [low, high] = ci;
          return [{ label: v.key, estimate, low, high, good: low > 0 ? true : high < 0 ? false : null }];
        })}
      />
      {metric.series && <DailyChart metric={metric} measure={measure} format={format} control={control} />}
    </section>
  );
}

/**
 * The cumulative daily chart from the first day with exposures: with none, and with one day (a chart
 * of one point has no line and no axis to read), it says so in words instead.
 */
function DailyChart({
  metric,
  measure,
  format,
  control,
}: {
  metric: Results['metrics'][number];
  measure: string;
  format: (value: number) => string;
  control: string;
}) {
  const series = metric.series ?? [];
  const valueOf = (point: (typeof series)[number]['points'][number]) =>
    (metric.type === 'binomial' ? point.rate : point.mean) ?? 0;
  const withData = [...new Set(series.flatMap((s) => s.points.filter((p) => p.users > 0).map((p) => p.date)))].sort();
  if (withData.length === 0) {
    return <p class="hint">No exposures yet: the daily chart starts on the first day with users.</p>;
  }
  const days = [...new Set(series.flatMap((s) => s.points.map((p) => p.date)))].filter((d) => d >= withData[0]).sort();
  if (days.length === 1) {
    const values = series.map((s) => {
      const point = s.points.find((p) => p.date === days[0]);
      return `${variantLabel(s.key, control)} ${point ? format(valueOf(point)) : '—'}`;
    });
    return (
      <p class="hint" data-testid="one-day">
        One day of data so far ({dayLabel(days[0])}): {values.join(', ')}. The daily chart draws from the second day.
      </p>
    );
  }
  return (
    <LineChart
      title={`${metric.metric}: cumulative ${measure} by day`}
      days={days.map(dayLabel)}
      format={format}
      series={series.map((s) => ({
        label: variantLabel(s.key, control),
        values: days.map((day) => {
          const point = s.points.find((p) => p.date === day);
          return point && point.users > 0 ? valueOf(point) : null;
        }),
      }))}
    />
  );
}
