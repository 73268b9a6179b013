import { useState } from 'preact/hooks';
import { api, type ImportResult, type Project } from '../api.js';
import { Confirm, ProblemMessage, useAction } from '../components.js';
import { usePlace } from '../place.js';
import { DiffTable } from './history.js';

type Mode = 'merge' | 'replace';

/** A document as JSON, or YAML (the parser loads only when a YAML document is imported). */
async function parseDocument(text: string): Promise<unknown> {
  try {
    return JSON.parse(text);
  } catch {
    const { parse } = await import('yaml');
    return parse(text);
  }
}

/** A field an import adds empty (no description, no tags) says nothing: only the others are listed. */
const worthShowing = (field: { before: unknown; after: unknown }) =>
  field.before !== null || !(field.after === null || (Array.isArray(field.after) && field.after.length === 0));

/** Saves text as a file the browser downloads. */
function save(text: string, filename: string, type: string) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = filename;
  link.click();
  // Revoked after the click has been handled: some browsers read the blob only once it returns.
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}

/**
 * Flags as code: the project as one document to download, and a document to apply, whose changes
 * (the API's dry run) are shown before anything is written.
 */
export function FlagsAsCode({ project }: { project: Project }) {
  const { reloadProjects } = usePlace();
  const [text, setText] = useState('');
  const [mode, setMode] = useState<Mode>('merge');
  const [preview, setPreview] = useState<ImportResult | null>(null);
  const [confirming, setConfirming] = useState(false);
  const exporting = useAction();
  const action = useAction();
  const run = async (dryRun: boolean) =>
    api.importProject(project.key, {
      document: (await parseDocument(text)) as Parameters<typeof api.importProject>[1]['document'],
      mode,
      dry_run: dryRun,
    });
  return (
    <section class="card" aria-labelledby="flags-as-code">
      <h2 id="flags-as-code">{project.name}: flags as code</h2>
      <p class="hint">
        The whole project (environments, segments, flags with each environment's settings) as one document, to keep in a
        repository and apply again; applying the same document twice changes nothing.
      </p>
      <div class="actions">
        {(['json', 'yaml'] as const).map((format) => (
          <button
            key={format}
            type="button"
            disabled={exporting.busy}
            onClick={async () => {
              const document = await exporting.run(() => api.exportProject(project.key, format));
              if (document !== undefined)
                save(document, `${project.key}.${format}`, format === 'json' ? 'application/json' : 'application/yaml');
            }}
          >
            Export as {format.toUpperCase()}
          </button>
        ))}
      </div>
      <ProblemMessage error={exporting.error} />
      <h3>Import</h3>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const result = await action.run(() => run(true));
          setPreview(result ?? null);
        }}
      >
        <label>
          Document file (JSON or YAML)
          <input
            type="file"
            accept=".json,.yaml,.yml,application/json,application/yaml"
            onChange={async (e) => {
              const file = e.currentTarget.files?.[0];
              if (file) setText(await file.text());
              setPreview(null);
            }}
          />
        </label>
        <label>
          Or paste it
          <textarea rows={6} value={text} onInput={(e) => (setText(e.currentTarget.value), setPreview(null))} />
        </label>
        <label>
          Mode
          <select value={mode} onChange={(e) => (setMode(e.currentTarget.value as Mode), setPreview(null))}>
            <option value="merge">Merge: add and change, remove nothing</option>
            <option value="replace">Replace: also remove flags and segments the document does not hold</option>
          </select>
        </label>
        <ProblemMessage error={action.error} />
        <button type="submit" disabled={action.busy || text.trim() === ''}>
          Preview import
        </button>
      </form>
      {preview && preview.changes.length === 0 && (
        <p role="status">The document matches {project.name}: nothing to change.</p>
      )}
      {preview && preview.changes.length > 0 && (
        <>
          <h3>
            {preview.changes.length} {preview.changes.length === 1 ? 'change' : 'changes'} if applied
          </h3>
          <ul class="entries" aria-label="Changes the import makes">
            {preview.changes.map((change) => (
              <li key={`${change.type}/${change.name}`} class="card">
                <strong>
                  {change.type} {change.name}
                </strong>{' '}
                {change.change}
                <DiffTable rows={change.fields.filter(worthShowing)} before="Now" after="After import" />
              </li>
            ))}
          </ul>
          <button type="button" class="primary" onClick={() => setConfirming(true)}>
            Apply import
          </button>
        </>
      )}
      <Confirm
        open={confirming}
        title={`Apply ${preview?.changes.length ?? 0} changes to ${project.name}?`}
        confirmLabel="Apply import"
        onCancel={() => setConfirming(false)}
        onConfirm={async () => {
          setConfirming(false);
          const applied = await action.run(
            () => run(false),
            (result) => `Import applied: ${result.changes.length} changes`,
          );
          if (applied) {
            setPreview(null);
            setText('');
            await reloadProjects();
          }
        }}
      >
        <p>Every change listed is written in one transaction, in every environment it names.</p>
      </Confirm>
    </section>
  );
}
