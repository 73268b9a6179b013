import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import type { Experiment, Flag, Metric, Results } from '../api.js';
import { IntervalPlot, LineChart } from '../charts.js';
import { Confirm, formatDate, ProblemMessage, useAction, useLoad } from '../components.js';
import { verdict } from '../logic/results.js';
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
    if (await action.run(() => api.startExperiment(experiment.key))) reload();
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
      <table>
        <thead>
          <tr>
            <th scope="col">Experiment</th>
            <th scope="col">Flag</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {data?.map((experiment) => (
            <tr key={experiment.key}>
              <th scope="row">
                <Link href={`/experiments/${encodeURIComponent(experiment.key)}`}>{experiment.key}</Link>
              </th>
              <td>{experiment.flag_name}</td>
              <td>{experiment.status}</td>
              <td>{experiment.started_at ? formatDate(experiment.started_at) : '—'}</td>
              <td>
                {experiment.status === 'draft' && (
                  <button
                    type="button"
                    onClick={() => (isOff(experiment.flag_name) ? setStartingOnOffFlag(experiment) : start(experiment))}
                  >
                    Start {experiment.key}
                  </button>
                )}
                {experiment.status === 'running' && (
                  <button
                    type="button"
                    onClick={async () => (await action.run(() => api.stopExperiment(experiment.key))) && reload()}
                  >
                    Stop {experiment.key}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
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
          const created = await action.run(() =>
            api.createExperiment({
              key: key.trim(),
              flag_name: flagName,
              control: control || variants[0]?.key || '',
              metrics,
              hypothesis: hypothesis.trim() || null,
            }),
          );
          if (created) {
            setKey('');
            setHypothesis('');
            onCreated();
          }
        }}
      >
        <label>
          Key
          <input required value={key} onInput={(e) => setKey(e.currentTarget.value)} />
        </label>
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
        <label>
          Hypothesis
          <input value={hypothesis} onInput={(e) => setHypothesis(e.currentTarget.value)} />
        </label>
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
          Flag {experiment.data.flag_name}, control {control}, {experiment.data.status}
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

function ResultsView({ results, control }: { results: Results; control: string }) {
  return (
    <>
      <p class="hint">
        Computed {formatDate(results.computed_at)}:{' '}
        {results.variants.map((v) => `${v.key} ${v.users} users`).join(', ')}
      </p>
      {results.srm.healthy === false && (
        <p class="problem" role="alert">
          Sample ratio mismatch (p = {results.srm.p_value?.toPrecision(2)}): users are not split as the weights say, so
          the results below cannot be trusted. Look for exposures lost or double-counted.
        </p>
      )}
      {results.warnings.map((w) => (
        <p key={w} class="warning">
          {w}
        </p>
      ))}
      {results.metrics.map((metric) => {
        const call = verdict(results, metric, control);
        const rateOf = (v: (typeof metric.variants)[number]) => (metric.type === 'binomial' ? v.rate : v.mean) ?? 0;
        const format = metric.type === 'binomial' ? percent : (v: number) => v.toFixed(2);
        const measure = metric.type === 'binomial' ? 'conversion rate' : 'mean';
        const days = [...new Set((metric.series ?? []).flatMap((s) => s.points.map((p) => p.date)))].sort();
        return (
          <section key={metric.metric} class="card" aria-labelledby={`metric-${metric.metric}`}>
            <h2 id={`metric-${metric.metric}`}>{metric.metric}</h2>
            <p class={call.trustworthy ? 'verdict success' : 'verdict'} data-testid="verdict">
              {call.summary}
            </p>
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
                  <th scope="col">{metric.type === 'binomial' ? 'Conversion rate' : 'Mean'}</th>
                  <th scope="col">Uplift (95% interval)</th>
                  <th scope="col">Chance to win</th>
                  <th scope="col">p-value</th>
                </tr>
              </thead>
              <tbody>
                {metric.variants.map((v) => (
                  <tr key={v.key} class={call.leader === v.key ? 'leader' : undefined}>
                    <th scope="row">
                      {v.key}
                      {v.key === control && ' (control)'}
                    </th>
                    <td>{v.users}</td>
                    <td>
                      {format(rateOf(v))}{' '}
                      <span class="hint">
                        ({format(v.interval[0])} to {format(v.interval[1])})
                      </span>
                    </td>
                    <td>
                      {orDash(v.relative?.estimate, percent)}
                      {v.relative?.frequentist.ci && ` (${interval(v.relative.frequentist.ci)})`}
                    </td>
                    <td>{orDash(v.relative?.bayesian.chance_to_win, percent)}</td>
                    <td>{orDash(v.relative?.frequentist.p_value, (p) => p.toPrecision(2))}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <IntervalPlot
              title={`${metric.metric}: each variant's ${measure} with its 95% interval`}
              format={format}
              aroundZero={false}
              rows={metric.variants.map((v) => ({
                label: v.key,
                estimate: rateOf(v),
                low: v.interval[0],
                high: v.interval[1],
                good: call.leader === v.key && call.trustworthy ? true : null,
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
            {days.length > 0 && (
              <LineChart
                title={`${metric.metric}: cumulative ${measure} by day`}
                days={days}
                format={format}
                series={(metric.series ?? []).map((s) => ({
                  label: s.key,
                  values: days.map((day) => {
                    const point = s.points.find((p) => p.date === day);
                    return point ? ((metric.type === 'binomial' ? point.rate : point.mean) ?? null) : null;
                  }),
                }))}
              />
            )}
          </section>
        );
      })}
    </>
  );
}
