import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api as rootApi } from '../api.js';
import { Copy, EmptyState, PercentageInput, ProblemMessage, useAction, TextField } from '../components.js';
import { usePlace } from '../place.js';
import { curlSnippets, sdkSnippets, type GuideProgress } from '../logic/snippets.js';

/** On the flag list of a project without flags: what to do first. */
export function FirstRunGuide() {
  const { projects, project } = usePlace();
  const name = projects.find((p) => p.key === project)?.name ?? project;
  return (
    <EmptyState title={`No flags in ${name} yet`}>
      <p>Create one above, or learn the whole path in five steps: a key, a flag, a rule, a rollout, an experiment.</p>
      <Link href="/guide" class="button primary">
        Start the five-step guide
      </Link>
    </EmptyState>
  );
}

/**
 * Five steps, each done here against the real API and followed by the curl and OpenFeature SDK
 * code for what it made. A key's secret appears in the snippets only right after its creation;
 * afterwards they read it from $FLAGS_KEY.
 */
export function GuidePage() {
  const { api, project, environment, environments } = usePlace();
  const environmentName = environments.find((e) => e.key === environment)?.name ?? environment;
  const [progress, setProgress] = useState<GuideProgress>({});
  const done = (patch: Partial<GuideProgress>) => setProgress((now) => ({ ...now, ...patch }));
  const place = { origin: location.origin, project, environment };
  const curl = curlSnippets(place, progress);
  const sdk = sdkSnippets(place, progress);
  const [keyName, setKeyName] = useState('quick-start');
  const [flagName, setFlagName] = useState('new_checkout');
  const [attribute, setAttribute] = useState('country');
  const [value, setValue] = useState('DE');
  const [percentage, setPercentage] = useState('10');
  const key = useAction();
  const flag = useAction();
  const rule = useAction();
  const rollout = useAction();
  const experiment = useAction();
  return (
    <>
      <h1>Get started in {environmentName}</h1>
      <p class="hint">
        Each step calls the API as the dashboard always does, then shows how your code and curl do the same.
      </p>
      <ol class="guide">
        <Step number={1} title="Create an API key for your servers" done={progress.keyName !== undefined}>
          <form
            class="row"
            onSubmit={async (event) => {
              event.preventDefault();
              const made = await key.run(
                () => rootApi.createKey({ name: keyName.trim(), scope: 'server', project, environment }),
                (k) => `Key ${k.name} created`,
              );
              if (made) done({ keyName: made.name, secret: made.secret });
            }}
          >
            <TextField label="Key name" value={keyName} onText={setKeyName} required />
            <button type="submit" class="primary" disabled={key.busy || progress.keyName !== undefined}>
              Create server key
            </button>
          </form>
          <ProblemMessage error={key.error} />
          {progress.secret && (
            <p class="row success" role="status">
              Copy the secret now, it is not shown again: <code data-testid="guide-secret">{progress.secret}</code>
              <Copy text={progress.secret} label="Copy the key's secret" />
            </p>
          )}
          <Snippets curl={curl.key} sdk={sdk.key} />
        </Step>
        <Step number={2} title="Create a flag" done={progress.flag !== undefined}>
          <form
            class="row"
            onSubmit={async (event) => {
              event.preventDefault();
              const made = await flag.run(
                () =>
                  rootApi.createFlag(project, {
                    flag_name: flagName.trim(),
                    kind: 'experiment',
                    variants: [{ key: 'control' }, { key: 'treatment' }],
                    rollout_percentage: 0,
                  }),
                (f) => `Flag ${f.flag_name} created`,
              );
              if (made) done({ flag: made.flag_name });
            }}
          >
            <TextField label="Flag name" value={flagName} onText={setFlagName} required />
            <button type="submit" class="primary" disabled={flag.busy || progress.flag !== undefined}>
              Create flag
            </button>
          </form>
          <p class="hint">Off everywhere, with two variants (control and treatment) for the experiment in step 5.</p>
          <ProblemMessage error={flag.error} />
          {progress.flag && <Snippets curl={curl.flag} sdk={sdk.flag} />}
        </Step>
        <Step number={3} title="Target users with a rule" done={progress.rule !== undefined}>
          <form
            class="row"
            onSubmit={async (event) => {
              event.preventDefault();
              const condition = { attribute: attribute.trim(), operator: 'equals', value: value.trim() };
              const saved = await rule.run(
                () =>
                  api.updateSettings(progress.flag!, {
                    status: true,
                    rules: [{ segment: null, conditions: [condition], rollout_percentage: 100, variants: [] }],
                  }),
                `${progress.flag} is on for ${condition.attribute} = ${condition.value}`,
              );
              if (saved) done({ rule: { attribute: condition.attribute, value: condition.value } });
            }}
          >
            <TextField label="Attribute" value={attribute} onText={setAttribute} required />
            <TextField label="equals" value={value} onText={setValue} required />
            <button type="submit" class="primary" disabled={!progress.flag || rule.busy || progress.rule !== undefined}>
              Turn on for them
            </button>
          </form>
          <ProblemMessage error={rule.error} />
          {progress.rule && <Snippets curl={curl.rule} sdk={sdk.rule} />}
        </Step>
        <Step number={4} title="Roll out to a share of everyone else" done={progress.percentage !== undefined}>
          <form
            class="row"
            onSubmit={async (event) => {
              event.preventDefault();
              const share = Number(percentage);
              const saved = await rollout.run(
                () => api.updateSettings(progress.flag!, { rollout_percentage: share }),
                `${progress.flag} reaches ${share}% of users`,
              );
              if (saved) done({ percentage: share });
            }}
          >
            <label>
              Users who get it (%)
              <PercentageInput required value={percentage} onText={setPercentage} />
            </label>
            <button
              type="submit"
              class="primary"
              disabled={!progress.rule || rollout.busy || progress.percentage !== undefined}
            >
              Roll out
            </button>
          </form>
          <ProblemMessage error={rollout.error} />
          {progress.percentage !== undefined && <Snippets curl={curl.rollout} sdk={sdk.rollout} />}
        </Step>
        <Step number={5} title="Measure it with an experiment" done={progress.experiment !== undefined}>
          <form
            class="row"
            onSubmit={async (event) => {
              event.preventDefault();
              const key = `${progress.flag}_test`;
              const started = await experiment.run(
                async () => {
                  await api.createExperiment({
                    key,
                    flag_name: progress.flag!,
                    control: 'control',
                    metrics: [{ key: 'purchase', event: 'purchase', type: 'binomial' }],
                    hypothesis: `${progress.flag} makes more people buy`,
                  });
                  return api.startExperiment(key);
                },
                (e) => `Experiment ${e.key} started`,
              );
              if (started) done({ experiment: started.key });
            }}
          >
            <p class="grow">
              An A/B test of control against treatment on {progress.flag ?? 'the flag'}, measuring purchases.
            </p>
            <button
              type="submit"
              class="primary"
              disabled={progress.percentage === undefined || experiment.busy || progress.experiment !== undefined}
            >
              Create and start the experiment
            </button>
          </form>
          <ProblemMessage error={experiment.error} />
          {progress.experiment && (
            <>
              <Snippets curl={curl.experiment} sdk={sdk.experiment} />
              <p>
                Its results, as users arrive:{' '}
                <Link href={`/experiments/${encodeURIComponent(progress.experiment)}`}>{progress.experiment}</Link>.
              </p>
            </>
          )}
        </Step>
      </ol>
    </>
  );
}

function Step({
  number,
  title,
  done,
  children,
}: {
  number: number;
  title: string;
  done: boolean;
  children: ComponentChildren;
}) {
  return (
    <li class="card guide-step" aria-labelledby={`step-${number}`}>
      <h2 id={`step-${number}`}>
        {number}. {title}
        {done && <span class="done"> (done)</span>}
      </h2>
      {children}
    </li>
  );
}

function Snippets({ curl, sdk }: { curl: string; sdk: string }) {
  return (
    <div class="snippets">
      <figure>
        <figcaption>
          curl <Copy text={curl} label="Copy the curl commands" />
        </figcaption>
        <pre>{curl}</pre>
      </figure>
      <figure>
        <figcaption>
          OpenFeature (Node) <Copy text={sdk} label="Copy the SDK code" />
        </figcaption>
        <pre>{sdk}</pre>
      </figure>
    </div>
  );
}
