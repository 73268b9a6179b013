import { useEffect } from 'preact/hooks';

/**
 * Unsaved work on the page: while a page holds some, leaving it (a link, another project or
 * environment, closing or reloading the tab) asks first. One page at a time holds it.
 */
let unsaved: string | null = null;

/** May the person leave? Asks when there is unsaved work. */
export const mayLeave = () => unsaved === null || window.confirm(unsaved);

/** Holds `message` while it is not null: what the person is asked before they leave. */
export function useLeaveGuard(message: string | null) {
  useEffect(() => {
    if (message === null) return;
    unsaved = message;
    const beforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    // In the capture phase, ahead of the router's own click handler on the link.
    const click = (event: MouseEvent) => {
      const link = (event.target as Element | null)?.closest?.('a[href]');
      if (link && !mayLeave()) {
        event.preventDefault();
        event.stopPropagation();
      }
    };
    window.addEventListener('beforeunload', beforeUnload);
    document.addEventListener('click', click, true);
    return () => {
      unsaved = null;
      window.removeEventListener('beforeunload', beforeUnload);
      document.removeEventListener('click', click, true);
    };
  }, [message]);
}
