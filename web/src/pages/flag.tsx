import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api as rootApi, type Flag, type Override, type Prerequisite, type Rule, type SettingsChange } from '../api.js';
import { Confirm, ProblemMessage, Switch, useAction, useLoad } from '../components.js';
import { usePlace } from '../place.js';
import { commaList, conditionsComplete } from '../logic/conditions.js';
import { addsUp, equalSplit, rebalance, total } from '../logic/weights.js';
import { EvaluatePanel } from './evaluate.js';
import { History } from './history.js';
import { ImpactPreview } from './impact.js';
import { RulesEditor } from './rules.js';
import { Schedules } from './schedules.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function FlagPage({ name }: { name: string }) {
  const { api, project, environment, environments } = usePlace();
  const { data: flag, error, reload } = useLoad(() => api.flag(name), [name, project, environment]);
  const environmentName = environments.find((e) => e.key === environment)?.name ?? environment;
  if (!flag) {
    return (
      <>
        <p>
          <Link href="/flags">← Flags</Link>
        </p>
        <h1>{name}</h1>
        {error ? <ProblemMessage error={error} /> : <p>Loading…</p>}
      </>
    );
  }
  return (
    <>
      <p>
        <Link href="/flags">← Flags</Link>
      </p>
      <h1>{flag.flag_name}</h1>
      <p class="hint">
        {flag.kind} · {flag.value_type}
        {flag.tags.length > 0 && <> · {flag.tags.join(', ')}</>}
        {flag.description && <> — {flag.description}</>}
      </p>
      <Definition flag={flag} project={project} onSaved={reload} />
      <Rollout flag={flag} environmentName={environmentName} onSaved={reload} />
      {flag.variants.length > 0 && <Variants flag={flag} onSaved={reload} />}
      <RulesSection flag={flag} onSaved={reload} />
      <Overrides flag={flag} onSaved={reload} />
      <Prerequisites flag={flag} onSaved={reload} />
      <Schedules flag={flag} onSaved={reload} />
      <EvaluatePanel flag={flag.flag_name} />
      <History flag={flag.flag_name} version={flag} />
    </>
  );
}

function Definition({ flag, project, onSaved }: { flag: Flag; project: string; onSaved: () => void }) {
  const [description, setDescription] = useState(flag.description ?? '');
  const [tags, setTags] = useState(flag.tags.join(', '));
  const action = useAction();
  return (
    <details class="card">
      <summary>Definition</summary>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const saved = await action.run(() =>
            rootApi.updateDefinition(project, flag.flag_name, {
              description: description.trim() || null,
              tags: commaList(tags),
            }),
          );
          if (saved) onSaved();
        }}
      >
        <label>
          Description
          <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <label>
          Tags (comma-separated)
          <input value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
        </label>
        <ProblemMessage error={action.error} />
        <button type="submit" disabled={action.busy}>
          Save definition
        </button>
      </form>
    </details>
  );
}

/** Status and percentage, with the impact of the unsaved change shown before it is saved. */
function Rollout({ flag, environmentName, onSaved }: { flag: Flag; environmentName: string; onSaved: () => void }) {
  const { api } = usePlace();
  const [percentage, setPercentage] = useState(flag.rollout_percentage);
  const [confirming, setConfirming] = useState(false);
  useEffect(() => setPercentage(flag.rollout_percentage), [flag.rollout_percentage]);
  const action = useAction();
  const changed = percentage !== flag.rollout_percentage;
  const valid = Number.isFinite(percentage) && percentage >= 0 && percentage <= 100;
  return (
    <section aria-labelledby="rollout-title" class="card">
      <h2 id="rollout-title">Rollout in {environmentName}</h2>
      <div class="row">
        <Switch
          checked={flag.status}
          label={`${flag.flag_name} in ${environmentName}`}
          onChange={() => setConfirming(true)}
        />
        <span>{flag.status ? `On in ${environmentName}` : `Off in ${environmentName}`}</span>
      </div>
      <Confirm
        open={confirming}
        title={`Turn ${flag.flag_name} ${flag.status ? 'off' : 'on'} in ${environmentName}?`}
        confirmLabel={flag.status ? `Turn off in ${environmentName}` : `Turn on in ${environmentName}`}
        onCancel={() => setConfirming(false)}
        onConfirm={async () => {
          setConfirming(false);
          if (await action.run(() => api.updateSettings(flag.flag_name, { status: !flag.status }))) onSaved();
        }}
      >
        <ImpactPreview flag={flag.flag_name} change={confirming ? { status: !flag.status } : null} />
      </Confirm>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          if (await action.run(() => api.updateSettings(flag.flag_name, { rollout_percentage: percentage }))) onSaved();
        }}
      >
        <div class="row">
          <label class="grow">
            Rollout percentage (slider)
            <input
              type="range"
              min={0}
              max={100}
              step={0.01}
              value={percentage}
              onInput={(e) => setPercentage(Number(e.currentTarget.value))}
            />
          </label>
          <label>
            Rollout percentage
            <input
              type="number"
              min={0}
              max={100}
              step={0.01}
              value={percentage}
              onInput={(e) => setPercentage(Math.round(Number(e.currentTarget.value) * 100) / 100)}
            />
          </label>
        </div>
        <ImpactPreview flag={flag.flag_name} change={changed && valid ? { rollout_percentage: percentage } : null} />
        <ProblemMessage error={action.error} />
        <button type="submit" class="primary" disabled={!changed || action.busy}>
          Save percentage
        </button>
      </form>
    </section>
  );
}

/** Variant weights that must add up to 100: changing one rebalances the others so they always can. */
function Variants({ flag, onSaved }: { flag: Flag; onSaved: () => void }) {
  const { api } = usePlace();
  const [weights, setWeights] = useState(flag.variants.map((v) => v.weight));
  useEffect(() => setWeights(flag.variants.map((v) => v.weight)), [flag]);
  const action = useAction();
  const change: SettingsChange = { variants: flag.variants.map((v, i) => ({ key: v.key, weight: weights[i] })) };
  const changed = !same(
    weights,
    flag.variants.map((v) => v.weight),
  );
  return (
    <section aria-labelledby="variants-title" class="card">
      <h2 id="variants-title">Variants</h2>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          if (await action.run(() => api.updateSettings(flag.flag_name, change))) onSaved();
        }}
      >
        <table>
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Weight (%)</th>
              <th scope="col">Value</th>
            </tr>
          </thead>
          <tbody>
            {flag.variants.map((variant, i) => (
              <tr key={variant.key}>
                <th scope="row">
                  {variant.key}
                  {flag.off_variant === variant.key && <span class="tag">off variant</span>}
                </th>
                <td>
                  <input
                    type="number"
                    min={0}
                    max={100}
                    step={0.01}
                    aria-label={`Weight of ${variant.key}`}
                    value={weights[i]}
                    onChange={(e) => setWeights(rebalance(weights, i, Number(e.currentTarget.value)))}
                  />
                </td>
                <td>
                  <code>{JSON.stringify(variant.value ?? variant.payload)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <p class={addsUp(weights) ? 'hint' : 'problem'}>Total: {total(weights)}%</p>
        <ImpactPreview flag={flag.flag_name} change={changed && addsUp(weights) ? change : null} />
        <ProblemMessage error={action.error} />
        <div class="actions">
          <button type="button" onClick={() => setWeights(equalSplit(weights.length))}>
            Split equally
          </button>
          <button type="submit" class="primary" disabled={!changed || !addsUp(weights) || action.busy}>
            Save weights
          </button>
        </div>
      </form>
    </section>
  );
}

function RulesSection({ flag, onSaved }: { flag: Flag; onSaved: () => void }) {
  const { api } = usePlace();
  const [rules, setRules] = useState<Rule[]>(flag.rules);
  useEffect(() => setRules(flag.rules), [flag]);
  const action = useAction();
  const changed = !same(rules, flag.rules);
  return (
    <section aria-labelledby="rules-title" class="card">
      <h2 id="rules-title">Targeting rules</h2>
      <p class="hint">The first rule a user matches decides; drag a rule, or use its arrows, to reorder.</p>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          if (await action.run(() => api.updateSettings(flag.flag_name, { rules }))) onSaved();
        }}
      >
        <RulesEditor rules={rules} variants={flag.variants.map((v) => v.key)} onChange={setRules} />
        <ImpactPreview
          flag={flag.flag_name}
          change={changed && rules.every((rule) => conditionsComplete(rule.conditions)) ? { rules } : null}
        />
        <ProblemMessage error={action.error} />
        <button type="submit" class="primary" disabled={!changed || action.busy}>
          Save rules
        </button>
      </form>
    </section>
  );
}

function Overrides({ flag, onSaved }: { flag: Flag; onSaved: () => void }) {
  const { api } = usePlace();
  const [overrides, setOverrides] = useState<Override[]>(flag.overrides);
  useEffect(() => setOverrides(flag.overrides), [flag]);
  const action = useAction();
  const set = (i: number, patch: Partial<Override>) =>
    setOverrides(overrides.map((o, j) => (j === i ? { ...o, ...patch } : o)));
  return (
    <section aria-labelledby="overrides-title" class="card">
      <h2 id="overrides-title">User overrides</h2>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          if (await action.run(() => api.updateSettings(flag.flag_name, { overrides }))) onSaved();
        }}
      >
        {overrides.map((override, i) => (
          <fieldset key={i} class="row">
            <legend>Override {i + 1}</legend>
            <label>
              User id
              <input required value={override.user_id} onInput={(e) => set(i, { user_id: e.currentTarget.value })} />
            </label>
            <label class="check">
              <input
                type="checkbox"
                checked={override.enabled}
                onChange={(e) => set(i, { enabled: e.currentTarget.checked })}
              />
              On
            </label>
            {flag.variants.length > 0 && (
              <label>
                Variant
                <select
                  value={override.variant ?? ''}
                  onChange={(e) => set(i, { variant: e.currentTarget.value || null })}
                >
                  <option value="">By weights</option>
                  {flag.variants.map((v) => (
                    <option key={v.key}>{v.key}</option>
                  ))}
                </select>
              </label>
            )}
            <button type="button" onClick={() => setOverrides(overrides.filter((_, j) => j !== i))}>
              Remove override {i + 1}
            </button>
          </fieldset>
        ))}
        <ProblemMessage error={action.error} />
        <div class="actions">
          <button
            type="button"
            onClick={() => setOverrides([...overrides, { user_id: '', enabled: true, variant: null }])}
          >
            Add override
          </button>
          <button type="submit" class="primary" disabled={same(overrides, flag.overrides) || action.busy}>
            Save overrides
          </button>
        </div>
      </form>
    </section>
  );
}

function Prerequisites({ flag, onSaved }: { flag: Flag; onSaved: () => void }) {
  const { api, project, environment } = usePlace();
  const { data } = useLoad(() => api.flags(), [project, environment]);
  const [prerequisites, setPrerequisites] = useState<Prerequisite[]>(flag.prerequisites);
  useEffect(() => setPrerequisites(flag.prerequisites), [flag]);
  const action = useAction();
  const others = (data?.flags ?? []).filter((f) => f.flag_name !== flag.flag_name);
  const set = (i: number, patch: Partial<Prerequisite>) =>
    setPrerequisites(prerequisites.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  return (
    <section aria-labelledby="prerequisites-title" class="card">
      <h2 id="prerequisites-title">Prerequisites</h2>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          if (await action.run(() => api.updateSettings(flag.flag_name, { prerequisites }))) onSaved();
        }}
      >
        {prerequisites.map((prerequisite, i) => {
          const required = others.find((f) => f.flag_name === prerequisite.flag);
          return (
            <fieldset key={i} class="row">
              <legend>Prerequisite {i + 1}</legend>
              <label>
                Flag
                <select
                  value={prerequisite.flag}
                  onChange={(e) => set(i, { flag: e.currentTarget.value, variant: null })}
                >
                  <option value="">Choose a flag</option>
                  {others.map((f) => (
                    <option key={f.flag_name}>{f.flag_name}</option>
                  ))}
                </select>
              </label>
              {required && required.variants.length > 0 && (
                <label>
                  Variant
                  <select
                    value={prerequisite.variant ?? ''}
                    onChange={(e) => set(i, { variant: e.currentTarget.value || null })}
                  >
                    <option value="">Any (on)</option>
                    {required.variants.map((v) => (
                      <option key={v.key}>{v.key}</option>
                    ))}
                  </select>
                </label>
              )}
              <button type="button" onClick={() => setPrerequisites(prerequisites.filter((_, j) => j !== i))}>
                Remove prerequisite {i + 1}
              </button>
            </fieldset>
          );
        })}
        <ProblemMessage error={action.error} />
        <div class="actions">
          <button type="button" onClick={() => setPrerequisites([...prerequisites, { flag: '', variant: null }])}>
            Add prerequisite
          </button>
          <button type="submit" class="primary" disabled={same(prerequisites, flag.prerequisites) || action.busy}>
            Save prerequisites
          </button>
        </div>
      </form>
    </section>
  );
}
