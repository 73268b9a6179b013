import { useState } from 'preact/hooks';
import { api, type Condition } from '../api.js';
import { Confirm, EmptyState, ProblemMessage, useAction, useLoad, TextField } from '../components.js';
import { valueText } from '../logic/conditions.js';
import { usePlace } from '../place.js';
import { ConditionsEditor } from './rules.js';

export function SegmentsPage() {
  const { project } = usePlace();
  const { data, error, reload } = useLoad(() => api.segments(project), [project]);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [conditions, setConditions] = useState<Condition[]>([]);
  const [userIds, setUserIds] = useState('');
  const [deleting, setDeleting] = useState<string | null>(null);
  const action = useAction();
  const remove = useAction();
  return (
    <>
      <h1>Segments</h1>
      <ProblemMessage error={error ?? remove.error} />
      {data?.length === 0 && (
        <EmptyState title="No segments yet">
          <p>
            A segment names a group of users (by their attributes, or by id) once, for the rules of every flag: create
            one below, then pick it in a flag's rule.
          </p>
        </EmptyState>
      )}
      <ul class="entries">
        {data?.map((segment) => (
          <li key={segment.name} class="card">
            <div class="row">
              <strong class="grow">{segment.name}</strong>
              <button type="button" onClick={() => setDeleting(segment.name)}>
                Delete {segment.name}
              </button>
            </div>
            {segment.description && <p class="hint">{segment.description}</p>}
            <ul>
              {segment.conditions.map((c, i) => (
                <li key={i}>
                  <code>
                    {c.attribute} {c.operator} {valueText(c)}
                  </code>
                </li>
              ))}
              {segment.user_ids.length > 0 && <li>{segment.user_ids.length} listed users</li>}
            </ul>
          </li>
        ))}
      </ul>
      <Confirm
        open={deleting !== null}
        title={`Delete segment ${deleting}?`}
        confirmLabel="Delete segment"
        onCancel={() => setDeleting(null)}
        onConfirm={async () => {
          const segment = deleting!;
          setDeleting(null);
          if (
            await remove.run(() => api.deleteSegment(project, segment).then(() => true), `Segment ${segment} deleted`)
          )
            reload();
        }}
      />
      <h2>New segment</h2>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const created = await action.run(
            () =>
              api.createSegment(project, {
                name: name.trim(),
                description: description.trim() || null,
                conditions,
                user_ids: userIds
                  .split(/[\s,]+/)
                  .map((id) => id.trim())
                  .filter(Boolean),
              }),
            (made) => `Segment ${made.name} created`,
          );
          if (created) {
            setName('');
            setDescription('');
            setConditions([]);
            setUserIds('');
            reload();
          }
        }}
      >
        <TextField label="Name" value={name} onText={setName} required />
        <TextField label="Description" value={description} onText={setDescription} />
        <ConditionsEditor label="Conditions (all must hold)" conditions={conditions} onChange={setConditions} />
        <label>
          User ids (one per line or comma-separated)
          <textarea rows={3} value={userIds} onInput={(e) => setUserIds(e.currentTarget.value)} />
        </label>
        <ProblemMessage error={action.error} />
        <button type="submit" class="primary" disabled={action.busy}>
          Create segment
        </button>
      </form>
    </>
  );
}
