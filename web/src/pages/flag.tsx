import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api as rootApi, type Flag, type Override, type Prerequisite } from '../api.js';
import { PercentageInput, ProblemMessage, Switch, useAction, useLoad, TextField } from '../components.js';
import { useLeaveGuard } from '../leave-guard.js';
import { usePlace } from '../place.js';
import { commaList, conditionsComplete } from '../logic/conditions.js';
import { whoGetsIt } from '../logic/audience.js';
import { type Draft, describeChange, draftOf, pendingChange } from '../logic/pending.js';
import { addsUp, equalSplit, rebalance, total } from '../logic/weights.js';
import { EvaluatePanel } from './evaluate.js';
import { History } from './history.js';
import { ImpactPreview } from './impact.js';
import { FlagFacts } from './flag-facts.js';
import { PromoteFlag } from './promote-flag.js';
import { RulesEditor } from './rules.js';
import { Schedules } from './schedules.js';

/** A section of the draft: what it shows, and how it changes its part. */
interface DraftProps {
  flag: Flag;
  draft: Draft;
  edit: (patch: Partial<Draft>) => void;
}

export function FlagPage({ name }: { name: string }) {
  const { api, project, environment, environments } = usePlace();
  const { data: flag, error, reload } = useLoad(() => api.flag(name), [name, project, environment]);
  // The definition says what the flag is for, when it was last evaluated and whether it is stale.
  const { data: definition } = useLoad(() => rootApi.definition(project, name), [name, project, flag?.version]);
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
        {flag.value_type} values
        {flag.tags.length > 0 && <> · {flag.tags.join(', ')}</>}
        {flag.description && <> — {flag.description}</>}
      </p>
      {definition && (
        <FlagFacts
          definition={definition}
          environment={environment}
          environmentName={environmentName}
          now={Date.now()}
        />
      )}
      <Definition flag={flag} project={project} onSaved={reload} />
      <Settings flag={flag} environmentName={environmentName} onSaved={reload} />
      <Schedules flag={flag} onSaved={reload} />
      <PromoteFlag flag={flag} onPromoted={reload} />
      <EvaluatePanel flag={flag.flag_name} />
      <History flag={flag.flag_name} version={flag} />
    </>
  );
}

/**
 * One environment's settings, edited as one draft: status, percentage, weights, rules, overrides and
 * prerequisites change nothing until the review panel saves them together, as one command.
 */
function Settings({ flag, environmentName, onSaved }: { flag: Flag; environmentName: string; onSaved: () => void }) {
  const { api } = usePlace();
  const [draft, setDraft] = useState(() => draftOf(flag));
  // A saved change, or one made elsewhere and reloaded, is the new starting point.
  useEffect(() => setDraft(draftOf(flag)), [flag]);
  const edit = (patch: Partial<Draft>) => setDraft((current) => ({ ...current, ...patch }));
  const change = pendingChange(flag, draft);
  const lines = describeChange(flag, change, environmentName);
  useLeaveGuard(lines.length > 0 ? `Leave ${flag.flag_name} without saving ${lines.length} change(s)?` : null);
  const action = useAction();
  const incomplete = [
    ...(draft.weights.length === 0 || addsUp(draft.weights)
      ? []
      : [`The variant weights add up to ${total(draft.weights)}%, not 100%`]),
    ...draft.rules.flatMap((rule, i) =>
      conditionsComplete(rule.conditions) ? [] : [`Rule ${i + 1} has a condition without an attribute or value`],
    ),
  ];
  const props = { flag, draft, edit };
  const who = whoGetsIt(
    {
      status: draft.status,
      rollout_percentage: draft.rolloutPercentage,
      rules: draft.rules,
      overrides: draft.overrides,
      prerequisites: draft.prerequisites,
    },
    environmentName,
  );
  return (
    <>
      <p class="card who-gets-it" data-testid="who-gets-it">
        <strong>
          Who gets it in {environmentName}
          {lines.length > 0 ? ' once saved' : ''}:
        </strong>{' '}
        {who.sentence}
      </p>
      <Rollout {...props} environmentName={environmentName} />
      {flag.variants.length > 0 && <Variants {...props} />}
      <RulesSection {...props} />
      <Overrides {...props} />
      <Prerequisites {...props} />
      {lines.length > 0 && (
        <section class="card review" aria-labelledby="review-title">
          <h2 id="review-title">Review and save: {lines.length} unsaved change(s)</h2>
          <ul data-testid="pending">
            {lines.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          {incomplete.map((problem) => (
            <p key={problem} class="problem">
              {problem}
            </p>
          ))}
          <ImpactPreview flag={flag.flag_name} change={incomplete.length === 0 ? change : null} />
          <ProblemMessage error={action.error} />
          <div class="actions">
            <button
              type="button"
              class="primary"
              disabled={incomplete.length > 0 || action.busy}
              onClick={async () =>
                (await action.run(
                  () => api.updateSettings(flag.flag_name, change),
                  `${flag.flag_name} saved in ${environmentName}`,
                )) && onSaved()
              }
            >
              Save changes in {environmentName}
            </button>
            <button type="button" onClick={() => setDraft(draftOf(flag))}>
              Discard changes
            </button>
          </div>
        </section>
      )}
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
          const saved = await action.run(
            () =>
              rootApi.updateDefinition(project, flag.flag_name, {
                description: description.trim() || null,
                tags: commaList(tags),
              }),
            `${flag.flag_name}'s definition saved`,
          );
          if (saved) onSaved();
        }}
      >
        <TextField label="Description" value={description} onText={setDescription} />
        <TextField label="Tags (comma-separated)" value={tags} onText={setTags} />
        <ProblemMessage error={action.error} />
        <button type="submit" disabled={action.busy}>
          Save definition
        </button>
      </form>
    </details>
  );
}

/** Status and percentage. */
function Rollout({ flag, draft, edit, environmentName }: DraftProps & { environmentName: string }) {
  const saved = draft.status === flag.status;
  return (
    <section aria-labelledby="rollout-title" class="card">
      <h2 id="rollout-title">Rollout in {environmentName}</h2>
      <div class="row">
        <Switch
          checked={draft.status}
          label={`${flag.flag_name} in ${environmentName}`}
          onChange={() => edit({ status: !draft.status })}
        />
        <span>
          {draft.status ? `On in ${environmentName}` : `Off in ${environmentName}`}
          {!saved && ' (not saved yet)'}
        </span>
      </div>
      <div class="row">
        <label class="grow">
          Rollout percentage (slider)
          <input
            type="range"
            min={0}
            max={100}
            step={0.01}
            value={draft.rolloutPercentage}
            onInput={(e) => edit({ rolloutPercentage: Number(e.currentTarget.value) })}
          />
        </label>
        <label>
          Rollout percentage
          <PercentageInput
            value={draft.rolloutPercentage}
            onText={(text) => edit({ rolloutPercentage: Math.round(Number(text) * 100) / 100 })}
          />
        </label>
      </div>
    </section>
  );
}

/** Variant weights that must add up to 100: changing one rebalances the others so they always can. */
function Variants({ flag, draft, edit }: DraftProps) {
  const { weights } = draft;
  return (
    <section aria-labelledby="variants-title" class="card">
      <h2 id="variants-title">Variants</h2>
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
              <td data-label="Weight (%)">
                <input
                  type="number"
                  min={0}
                  max={100}
                  step={0.01}
                  aria-label={`Weight of ${variant.key}`}
                  value={weights[i]}
                  onChange={(e) => edit({ weights: rebalance(weights, i, Number(e.currentTarget.value)) })}
                />
              </td>
              <td data-label="Value">
                <code>{JSON.stringify(variant.value ?? variant.payload)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class={addsUp(weights) ? 'hint' : 'problem'}>Total: {total(weights)}%</p>
      <button type="button" onClick={() => edit({ weights: equalSplit(weights.length) })}>
        Split equally
      </button>
    </section>
  );
}

function RulesSection({ flag, draft, edit }: DraftProps) {
  return (
    <section aria-labelledby="rules-title" class="card">
      <h2 id="rules-title">Targeting rules</h2>
      <p class="hint">The first rule a user matches decides; drag a rule, or use its arrows, to reorder.</p>
      <RulesEditor
        rules={draft.rules}
        variants={flag.variants.map((v) => v.key)}
        onChange={(rules) => edit({ rules })}
      />
    </section>
  );
}

function Overrides({ flag, draft, edit }: DraftProps) {
  const { overrides } = draft;
  const set = (i: number, patch: Partial<Override>) =>
    edit({ overrides: overrides.map((o, j) => (j === i ? { ...o, ...patch } : o)) });
  return (
    <section aria-labelledby="overrides-title" class="card">
      <h2 id="overrides-title">User overrides</h2>
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
          <button type="button" onClick={() => edit({ overrides: overrides.filter((_, j) => j !== i) })}>
            Remove override {i + 1}
          </button>
        </fieldset>
      ))}
      <button
        type="button"
        onClick={() => edit({ overrides: [...overrides, { user_id: '', enabled: true, variant: null }] })}
      >
        Add override
      </button>
    </section>
  );
}

function Prerequisites({ flag, draft, edit }: DraftProps) {
  const { api, project, environment } = usePlace();
  const { data } = useLoad(() => api.flags(), [project, environment]);
  const { prerequisites } = draft;
  const others = (data?.flags ?? []).filter((f) => f.flag_name !== flag.flag_name);
  const set = (i: number, patch: Partial<Prerequisite>) =>
    edit({ prerequisites: prerequisites.map((p, j) => (j === i ? { ...p, ...patch } : p)) });
  return (
    <section aria-labelledby="prerequisites-title" class="card">
      <h2 id="prerequisites-title">Prerequisites</h2>
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
            <button type="button" onClick={() => edit({ prerequisites: prerequisites.filter((_, j) => j !== i) })}>
              Remove prerequisite {i + 1}
            </button>
          </fieldset>
        );
      })}
      <button type="button" onClick={() => edit({ prerequisites: [...prerequisites, { flag: '', variant: null }] })}>
        Add prerequisite
      </button>
    </section>
  );
}
