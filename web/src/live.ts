import { EventSource } from 'eventsource';
import { useEffect } from 'preact/hooks';
import { session } from './session.js';

/** Changes arriving closer together than this make one reload: a bulk import is thousands of changes. */
const COALESCE_MS = 250;

/**
 * Calls `onChange` when the environment's native stream (GET …/stream) reports changes, or says to
 * reload, at most once per COALESCE_MS. The browser's own EventSource cannot send the Authorization
 * header, so the eventsource package's, which reads the stream with fetch, does; it reconnects and
 * resumes with Last-Event-ID.
 */
export function useLiveChanges(url: string, onChange: () => void) {
  useEffect(() => {
    let pending: ReturnType<typeof setTimeout> | undefined;
    const changed = () => {
      pending ??= setTimeout(() => {
        pending = undefined;
        onChange();
      }, COALESCE_MS);
    };
    const key = session.key();
    const source = new EventSource(url, {
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...init?.headers, ...(key ? { authorization: `Bearer ${key}` } : {}) } }),
    });
    source.addEventListener('change', changed);
    source.addEventListener('reload', changed);
    return () => {
      clearTimeout(pending);
      source.close();
    };
  }, [url]);
}
