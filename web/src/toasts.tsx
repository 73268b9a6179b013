import { useEffect, useState } from 'preact/hooks';

export interface Toast {
  id: number;
  tone: 'success' | 'problem';
  text: string;
}

/** How long a toast stays: long enough to read two lines; the inline message stays for good. */
const SHOWN_MS = 6000;
let next = 1;
let shown: Toast[] = [];
const listeners = new Set<(toasts: Toast[]) => void>();
const publish = () => listeners.forEach((listener) => listener(shown));

export function dismiss(id: number) {
  shown = shown.filter((toast) => toast.id !== id);
  publish();
}

/** Announces a save or a failure at the page's corner, beside the form's own message. */
export function notify(tone: Toast['tone'], text: string) {
  const toast = { id: next++, tone, text };
  shown = [...shown.slice(-3), toast];
  publish();
  setTimeout(() => dismiss(toast.id), SHOWN_MS);
}

/**
 * The corner where toasts appear: a polite live region (the inline message next to the form is the
 * alert), so a screen reader hears each once without interrupting.
 */
export function Toasts() {
  const [toasts, setToasts] = useState(shown);
  useEffect(() => {
    listeners.add(setToasts);
    return () => void listeners.delete(setToasts);
  }, []);
  return (
    <ol class="toasts" aria-live="polite" aria-label="Notifications">
      {toasts.map((toast) => (
        <li key={toast.id} class={`toast tone-${toast.tone}`}>
          <span class="grow">{toast.text}</span>
          <button type="button" class="quiet" aria-label="Dismiss notification" onClick={() => dismiss(toast.id)}>
            ×
          </button>
        </li>
      ))}
    </ol>
  );
}
