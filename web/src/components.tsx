import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import { fieldErrors } from './logic/problems.js';
import { notify } from './toasts.js';

/** A refused call as the API explained it: title, detail, and each field it named. Never a blank page. */
export function ProblemMessage({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  if (!(error instanceof ApiError)) {
    return (
      <p class="problem" role="alert">
        {String((error as Error)?.message ?? error)}
      </p>
    );
  }
  const { problem } = error;
  const fields = fieldErrors(problem);
  return (
    <div class="problem" role="alert">
      <strong>{explain(problem.status) ?? problem.title}</strong> {problem.detail}
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.field} title={f.field}>
              {f.label}: {f.message}
            </li>
          ))}
        </ul>
      )}
      {problem.problems && (
        <ul>
          {problem.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function explain(status: number): string | undefined {
  if (status === 401) return 'Not signed in:';
  if (status === 403) return 'Not allowed with this key:';
  if (status === 429) return 'Too many requests, try again shortly:';
  if (status === 0) return 'Offline:';
  return undefined;
}

/** Loads data for a page and reloads it on demand; keeps the last data while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [version, setVersion] = useState(0);
  // One load at a time: reloads asked for while one runs (a burst of live changes, a slow server)
  // make a single one after it, instead of piling requests onto a service that is already slow.
  const loading = useRef(false);
  const again = useRef(false);
  useEffect(() => {
    let current = true;
    loading.current = true;
    load()
      .then(
        (value) => current && (setData(value), setError(undefined)),
        (failure) => current && setError(failure),
      )
      .finally(() => {
        if (!current) return;
        loading.current = false;
        if (again.current) {
          again.current = false;
          setVersion((v) => v + 1);
        }
      });
    return () => {
      current = false;
    };
  }, [...deps, version]);
  const reload = () => {
    if (loading.current) again.current = true;
    else setVersion((v) => v + 1);
  };
  return { data, error, reload };
}

/** A refused call in one line, for a toast: the form beside it shows the whole problem. */
export function problemSummary(error: unknown): string {
  if (!(error instanceof ApiError)) return String((error as Error)?.message ?? error);
  return `${explain(error.status) ?? `${error.problem.title}:`} ${error.problem.detail}`.trim();
}

/**
 * Runs a call, keeping its error for the form to show; the form's own state is never reset on
 * failure. A write says what it does (`saved`): it then also shows a toast, of its success or its
 * failure; reads and dry runs answer in the page alone.
 */
export function useAction() {
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const run = async <T,>(
    action: () => Promise<T>,
    saved?: string | ((result: T) => string),
  ): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      const result = await action();
      if (saved !== undefined) notify('success', typeof saved === 'function' ? saved(result) : saved);
      return result;
    } catch (failure) {
      setError(failure);
      if (saved !== undefined) notify('problem', problemSummary(failure));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

/** A modal confirmation (the native dialog: focus is trapped and Escape cancels). */
export function Confirm({
  open,
  title,
  children,
  confirmLabel,
  confirmDisabled = false,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  children?: ComponentChildren;
  confirmLabel: string;
  confirmDisabled?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);
  return (
    <dialog ref={dialog} aria-labelledby="confirm-title" onCancel={onCancel} onClose={() => open && onCancel()}>
      <h2 id="confirm-title">{title}</h2>
      {children}
      <div class="actions">
        <button type="button" class="primary" disabled={confirmDisabled} onClick={onConfirm}>
          {confirmLabel}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}

/** A toggle that says what it does: a switch, labelled by the flag. */
export function Switch({
  checked,
  label,
  disabled,
  onChange,
}: {
  checked: boolean;
  label: string;
  disabled?: boolean;
  onChange: () => void;
}) {
  return (
    <button
      type="button"
      role="switch"
      class="switch"
      aria-checked={checked}
      aria-label={label}
      disabled={disabled}
      onClick={onChange}
    >
      <span aria-hidden="true">{checked ? 'On' : 'Off'}</span>
    </button>
  );
}

export function Copy({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      onClick={async () => {
        await navigator.clipboard?.writeText(text).catch(() => undefined);
        setCopied(true);
      }}
      aria-label={label}
    >
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

/** Every date on every page, alike: the person's locale and time zone, the zone named. */
const DATE_FORMAT = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
});
export const formatDate = (iso: string) => DATE_FORMAT.format(new Date(iso));

/** A percentage as the API takes it: 0–100 with at most two decimals; `onText` gets what was typed. */
export function PercentageInput({
  value,
  onText,
  required = false,
}: {
  value: number | string;
  onText: (text: string) => void;
  required?: boolean;
}) {
  return (
    <input
      type="number"
      required={required}
      min={0}
      max={100}
      step={0.01}
      value={value}
      onInput={(e) => onText(e.currentTarget.value)}
    />
  );
}

/**
 * A confirmation for what cannot be undone (deleting a project or an environment with its flags'
 * settings): the person types the key, as the API's own `?confirm=` asks.
 */
export function TypedConfirm({
  open,
  title,
  expected,
  confirmLabel,
  children,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  expected: string;
  confirmLabel: string;
  children?: ComponentChildren;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const [typed, setTyped] = useState('');
  useEffect(() => setTyped(''), [open, expected]);
  return (
    <Confirm
      open={open}
      title={title}
      confirmLabel={confirmLabel}
      confirmDisabled={typed !== expected}
      onConfirm={onConfirm}
      onCancel={onCancel}
    >
      {children}
      <label>
        Type {expected} to confirm
        <input value={typed} autoComplete="off" onInput={(e) => setTyped(e.currentTarget.value)} />
      </label>
    </Confirm>
  );
}

/** What an empty list means and what to do next, instead of a blank space. */
export function EmptyState({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p>
        <strong>{title}</strong>
      </p>
      {children}
    </div>
  );
}

/** A labelled one-line text field; `onText` gets what was typed. */
export function TextField({
  label,
  value,
  onText,
  required = false,
  type = 'text',
  autoComplete,
  minLength,
}: {
  label: string;
  value: string;
  onText: (text: string) => void;
  required?: boolean;
  type?: 'text' | 'url' | 'search' | 'email' | 'password';
  /** The browser's and password managers' hint ("username", "current-password", "new-password"). */
  autoComplete?: string;
  minLength?: number;
}) {
  return (
    <label>
      {label}
      <input
        type={type}
        required={required}
        autoComplete={autoComplete}
        minLength={minLength}
        value={value}
        onInput={(e) => onText(e.currentTarget.value)}
      />
    </label>
  );
}

/** A choice of one of the project's environments, by name. */
export function EnvironmentSelect({
  label,
  environments,
  value,
  onChange,
}: {
  label: string;
  environments: readonly { key: string; name: string }[];
  value: string;
  onChange: (key: string) => void;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {environments.map((e) => (
          <option key={e.key} value={e.key}>
            {e.name}
          </option>
        ))}
      </select>
    </label>
  );
}
