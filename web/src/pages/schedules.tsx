import { useState } from 'preact/hooks';
import type { Flag } from '../api.js';
import { formatDate, PercentageInput, ProblemMessage, useAction, useLoad } from '../components.js';
import { fromLocalInput, timeZone } from '../logic/time.js';
import { usePlace } from '../place.js';

/** Scheduled changes: picked in the person's time zone (shown), stored as UTC instants. */
export function Schedules({ flag, onSaved }: { flag: Flag; onSaved: () => void }) {
  const { api, project, environment } = usePlace();
  const { data, error, reload } = useLoad(() => api.schedules(flag.flag_name), [flag.flag_name, project, environment]);
  const [at, setAt] = useState('');
  const [status, setStatus] = useState<'' | 'on' | 'off'>('');
  const [percentage, setPercentage] = useState('');
  const action = useAction();
  const instant = fromLocalInput(at);
  return (
    <section aria-labelledby="schedules-title" class="card">
      <h2 id="schedules-title">Scheduled changes</h2>
      <ProblemMessage error={error} />
      <ul>
        {data
          ?.filter((s) => s.applied_at === null)
          .map((schedule) => (
            <li key={schedule.id} class="row">
              <span>
                {formatDate(schedule.at)}:{' '}
                {schedule.set.status !== undefined && (schedule.set.status ? 'turn on' : 'turn off')}
                {schedule.set.rollout_percentage !== undefined && ` set to ${schedule.set.rollout_percentage}%`}
              </span>
              <button
                type="button"
                onClick={async () => {
                  if (
                    await action.run(
                      () => api.cancelSchedule(flag.flag_name, schedule.id).then(() => true),
                      'Scheduled change cancelled',
                    )
                  )
                    reload();
                }}
              >
                Cancel change of {formatDate(schedule.at)}
              </button>
            </li>
          ))}
      </ul>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const set = {
            ...(status !== '' && { status: status === 'on' }),
            ...(percentage !== '' && { rollout_percentage: Number(percentage) }),
          };
          const created = await action.run(() => api.schedule(flag.flag_name, instant ?? at, set), 'Change scheduled');
          if (created) {
            setAt('');
            setStatus('');
            setPercentage('');
            reload();
            onSaved();
          }
        }}
      >
        <div class="row">
          <label>
            When ({timeZone()})
            <input type="datetime-local" required value={at} onInput={(e) => setAt(e.currentTarget.value)} />
          </label>
          <label>
            Status
            <select value={status} onChange={(e) => setStatus(e.currentTarget.value as typeof status)}>
              <option value="">Unchanged</option>
              <option value="on">Turn on</option>
              <option value="off">Turn off</option>
            </select>
          </label>
          <label>
            Percentage
            <PercentageInput value={percentage} onText={setPercentage} />
          </label>
        </div>
        {instant && <p class="hint">Stored as {instant} (UTC).</p>}
        <ProblemMessage error={action.error} />
        <button type="submit" disabled={action.busy}>
          Schedule change
        </button>
      </form>
    </section>
  );
}
