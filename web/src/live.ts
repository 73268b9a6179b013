import { EventSource } from 'eventsource';
import { useEffect } from 'preact/hooks';
import { session } from './session.js';

/**
 * Calls `onChange` whenever the environment's native stream (GET …/stream) reports a change, or says
 * to reload. The browser's own EventSource cannot send the Authorization header, so the eventsource
 * package's, which reads the stream with fetch, does; it reconnects and resumes with Last-Event-ID.
 */
export function useLiveChanges(url: string, onChange: () => void) {
  useEffect(() => {
    const key = session.key();
    const source = new EventSource(url, {
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...init?.headers, ...(key ? { authorization: `Bearer ${key}` } : {}) } }),
    });
    source.addEventListener('change', onChange);
    source.addEventListener('reload', onChange);
    return () => source.close();
  }, [url]);
}
