import { useState } from 'preact/hooks';
import { api, type Project } from '../api.js';
import { formatDate, ProblemMessage, TypedConfirm, useAction, TextField } from '../components.js';
import { DataTable } from '../data-table.js';
import { usePlace } from '../place.js';
import { FlagsAsCode } from './flags-as-code.js';

/** Projects: list, create, rename, their experiment settings, delete; and the chosen one's document. */
export function ProjectsPage() {
  const { projects, project, choose, reloadProjects } = usePlace();
  const [deleting, setDeleting] = useState<Project | null>(null);
  const remove = useAction();
  const current = projects.find((p) => p.key === project);
  return (
    <>
      <h1>Projects</h1>
      <ProblemMessage error={remove.error} />
      <DataTable
        label="Projects"
        rows={projects}
        rowKey={(p) => p.key}
        initialSort={{ column: 0, direction: 'ascending' }}
        columns={[
          { label: 'Name', rowHeader: true, sortBy: (p) => p.name, cell: (p) => p.name },
          { label: 'Key', sortBy: (p) => p.key, cell: (p) => <code>{p.key}</code> },
          {
            label: 'Environments',
            sortBy: (p) => p.environments.length,
            cell: (p) => p.environments.map((e) => e.name).join(', '),
          },
          { label: 'Created', sortBy: (p) => p.created_at, cell: (p) => formatDate(p.created_at) },
          {
            label: 'Actions',
            actions: true,
            cell: (p) => (
              <div class="actions">
                {p.key === project ? (
                  <span class="hint">Working here</span>
                ) : (
                  <button type="button" onClick={() => choose(p.key, p.environments[0]?.key ?? '')}>
                    Work in {p.name}
                  </button>
                )}
                <button type="button" onClick={() => setDeleting(p)}>
                  Delete {p.name}
                </button>
              </div>
            ),
          },
        ]}
      />
      <TypedConfirm
        open={deleting !== null}
        title={`Delete project ${deleting?.name}?`}
        expected={deleting?.key ?? ''}
        confirmLabel="Delete project"
        onCancel={() => setDeleting(null)}
        onConfirm={async () => {
          const doomed = deleting!;
          setDeleting(null);
          const done = await remove.run(
            () => api.deleteProject(doomed.key).then(() => true),
            `Project ${doomed.name} deleted`,
          );
          if (done) await reloadProjects();
        }}
      >
        <p>Its flags, segments, experiments and environments are deleted with it. This cannot be undone.</p>
      </TypedConfirm>
      <NewProject />
      {current && <ProjectSettings key={`${current.key}/${current.version}`} project={current} />}
      {current && <FlagsAsCode project={current} />}
    </>
  );
}

function NewProject() {
  const { choose, reloadProjects } = usePlace();
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const action = useAction();
  return (
    <details class="card">
      <summary>New project</summary>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const made = await action.run(
            () => api.createProject({ key: key.trim(), name: name.trim(), description: description.trim() || null }),
            (p) => `Project ${p.name} created`,
          );
          if (made) {
            setKey('');
            setName('');
            setDescription('');
            await reloadProjects();
            choose(made.key, made.environments[0]?.key ?? '');
          }
        }}
      >
        <TextField label="Key (used in paths and API keys)" value={key} onText={setKey} required />
        <TextField label="Name" value={name} onText={setName} required />
        <TextField label="Description" value={description} onText={setDescription} />
        <p class="hint">It starts with the environments Development and Production.</p>
        <ProblemMessage error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Create project
        </button>
      </form>
    </details>
  );
}

/** The project's name and description, and the rules its experiments' verdicts follow. */
function ProjectSettings({ project }: { project: Project }) {
  const { reloadProjects } = usePlace();
  const [name, setName] = useState(project.name);
  const [description, setDescription] = useState(project.description ?? '');
  const [sequential, setSequential] = useState(project.experiment_settings.sequential);
  const [minDays, setMinDays] = useState(String(project.experiment_settings.min_days));
  const [minUsers, setMinUsers] = useState(String(project.experiment_settings.min_users_per_variant));
  const action = useAction();
  return (
    <section class="card" aria-labelledby="project-settings">
      <h2 id="project-settings">{project.name}: settings</h2>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const saved = await action.run(
            () =>
              api.updateProject(project.key, {
                name: name.trim(),
                description: description.trim() || null,
                experiment_settings: {
                  sequential,
                  min_days: Number(minDays),
                  min_users_per_variant: Number(minUsers),
                },
              }),
            `${name.trim()} saved`,
          );
          if (saved) await reloadProjects();
        }}
      >
        <TextField label="Name" value={name} onText={setName} required />
        <TextField label="Description" value={description} onText={setDescription} />
        <fieldset>
          <legend>Experiments</legend>
          <label class="check">
            <input type="checkbox" checked={sequential} onChange={(e) => setSequential(e.currentTarget.checked)} />
            Test sequentially (results stay valid however often they are read)
          </label>
          <div class="row">
            <label>
              Days before a verdict
              <input
                type="number"
                min={0}
                step={1}
                required
                value={minDays}
                onInput={(e) => setMinDays(e.currentTarget.value)}
              />
            </label>
            <label>
              Users per variant before a verdict
              <input
                type="number"
                min={0}
                step={1}
                required
                value={minUsers}
                onInput={(e) => setMinUsers(e.currentTarget.value)}
              />
            </label>
          </div>
        </fieldset>
        <ProblemMessage error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Save project
        </button>
      </form>
    </section>
  );
}
