import { useEffect, useState } from 'preact/hooks';
import { Link, Route, Router, Switch, useLocation } from 'wouter-preact';
import { api, ApiError, type Project } from './api.js';
import { ProblemMessage } from './components.js';
import { PlaceContext } from './place.js';
import { session } from './session.js';
import { Toasts } from './toasts.js';
import { AuditPage } from './pages/audit.js';
import { mayLeave } from './leave-guard.js';
import { EnvironmentsPage } from './pages/environments.js';
import { ExperimentPage, ExperimentsPage } from './pages/experiments.js';
import { FlagPage } from './pages/flag.js';
import { FlagsPage } from './pages/flags.js';
import { GuidePage } from './pages/guide.js';
import { KeysPage } from './pages/keys.js';
import { PeoplePage } from './pages/people.js';
import { ProjectsPage } from './pages/projects.js';
import { WebhooksPage } from './pages/webhooks.js';
import { ReadOnlyPage } from './pages/read-only.js';
import { SegmentsPage } from './pages/segments.js';
import { SignIn } from './pages/sign-in.js';
import { AccountLinkPage } from './pages/account-links.js';

/** The pages one-time links open, whatever the tab is signed in as. */
const LINK_PAGES: Record<string, 'setup' | 'accept' | 'reset'> = {
  '/ui/setup': 'setup',
  '/ui/accept': 'accept',
  '/ui/reset-password': 'reset',
};

type Access =
  | { state: 'checking' }
  | { state: 'signed-out'; error?: unknown }
  | { state: 'admin'; projects: Project[]; open: boolean; name: string | null }
  | { state: 'read-only' }
  | { state: 'failed'; error: unknown };

/**
 * Asks the API who the stored key (or no key) is: 401 signs in; a caller who may read projects gets
 * the dashboard, one who may only evaluate (an evaluate or server key) the read-only page.
 */
async function checkAccess(): Promise<Access> {
  try {
    const me = await api.me();
    const reads = [me.global_permissions, ...me.projects.map((p) => p.permissions)].some((held) =>
      held.includes('project.read'),
    );
    if (!reads) return { state: 'read-only' };
    return {
      state: 'admin',
      projects: await api.projects(),
      open: me.signed_in_by === 'open',
      name: me.account?.name ?? null,
    };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401)
      return { state: 'signed-out', error: session.key() ? error : undefined };
    if (error instanceof ApiError && error.status === 403) return { state: 'read-only' };
    return { state: 'failed', error };
  }
}

export function App() {
  const [access, setAccess] = useState<Access>({ state: 'checking' });
  const recheck = () => checkAccess().then(setAccess);
  useEffect(() => void recheck(), []);
  const signOut = async () => {
    // A person's session ends on the server; a pasted key is forgotten by this tab.
    if (session.key() === null) await api.logout().catch(() => undefined);
    session.signOut();
    void recheck();
  };
  const [path] = useLocation();
  const link = LINK_PAGES[path];
  if (link) {
    return (
      <Router base="/ui">
        <AccountLinkPage kind={link} onSignedIn={() => void recheck()} />
        <Toasts />
      </Router>
    );
  }
  return (
    <Router base="/ui">
      {access.state === 'checking' && <p class="page">Loading…</p>}
      {access.state === 'failed' && (
        <main class="page">
          <h1>Feature flags</h1>
          <ProblemMessage error={access.error} />
          <button type="button" onClick={recheck}>
            Try again
          </button>
        </main>
      )}
      {access.state === 'signed-out' && (
        <SignIn
          error={access.error}
          onSignedIn={recheck}
          onSignIn={(key) => {
            session.signIn(key);
            return checkAccess().then((next) => {
              if (next.state === 'signed-out' || next.state === 'failed') session.signOut();
              setAccess(next);
            });
          }}
        />
      )}
      {access.state === 'read-only' && <ReadOnlyPage onSignOut={signOut} />}
      {access.state === 'admin' && (
        <SignedIn
          projects={access.projects}
          open={access.open}
          name={access.name}
          onSignOut={signOut}
          onSignedIn={recheck}
          onProjectsChanged={recheck}
        />
      )}
      <Toasts />
    </Router>
  );
}

const NAV = [
  ['/flags', 'Flags'],
  ['/projects', 'Projects'],
  ['/environments', 'Environments'],
  ['/segments', 'Segments'],
  ['/experiments', 'Experiments'],
  ['/people', 'People'],
  ['/keys', 'API keys'],
  ['/webhooks', 'Webhooks'],
  ['/audit', 'Audit log'],
] as const;

function SignedIn({
  projects,
  open,
  name,
  onSignOut,
  onSignedIn,
  onProjectsChanged,
}: {
  projects: Project[];
  open: boolean;
  /** The signed-in person's name; null for an API key. */
  name: string | null;
  onSignOut: () => void;
  onSignedIn: () => void;
  onProjectsChanged: () => Promise<void>;
}) {
  const saved = session.place();
  const initial =
    projects.find((p) => p.key === saved?.project) ?? projects.find((p) => p.key === 'default') ?? projects[0];
  const [place, setPlace] = useState(() => ({
    project: initial?.key ?? 'default',
    environment:
      initial?.environments.find((e) => e.key === saved?.environment)?.key ??
      initial?.environments.find((e) => e.key === 'production')?.key ??
      initial?.environments[0]?.key ??
      'production',
  }));
  const [location] = useLocation();
  const choose = (project: string, environment: string) => {
    session.remember({ project, environment });
    setPlace({ project, environment });
  };
  const current = projects.find((p) => p.key === place.project);
  // A project or environment deleted or renamed on a page: the header moves to one that exists.
  useEffect(() => {
    const project = current ?? projects.find((p) => p.key === 'default') ?? projects[0];
    if (!project) return;
    const environment = project.environments.find((e) => e.key === place.environment) ?? project.environments[0];
    if (project.key !== place.project || (environment && environment.key !== place.environment))
      choose(project.key, environment?.key ?? place.environment);
  }, [projects]);
  return (
    <PlaceContext.Provider value={{ projects, ...place, readOnly: false, choose, reloadProjects: onProjectsChanged }}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      {open && (
        <p class="banner" role="status">
          Open mode: no API key or owner account exists, so anyone who can reach this service can change flags. Create
          an admin key under API keys, or the owner account with the setup link in the service's log, to turn
          authentication on.
        </p>
      )}
      <header class="top">
        <Link href="/flags" class="brand">
          Feature flags
        </Link>
        <div class="place">
          <label>
            Project
            <select
              value={place.project}
              onChange={(event) => {
                // Unsaved work on the page stays unless the person agrees to leave it.
                if (!mayLeave()) {
                  event.currentTarget.value = place.project;
                  return;
                }
                const project = projects.find((p) => p.key === event.currentTarget.value)!;
                const environment =
                  project.environments.find((e) => e.key === place.environment)?.key ?? project.environments[0]?.key;
                choose(project.key, environment);
              }}
            >
              {projects.map((p) => (
                <option key={p.key} value={p.key}>
                  {p.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Environment
            <select
              value={place.environment}
              onChange={(event) => {
                if (mayLeave()) choose(place.project, event.currentTarget.value);
                else event.currentTarget.value = place.environment;
              }}
            >
              {current?.environments.map((e) => (
                <option key={e.key} value={e.key}>
                  {e.name}
                </option>
              ))}
            </select>
          </label>
          <Link href="/guide" class="button" aria-current={location.startsWith('/guide') ? 'page' : undefined}>
            Get started
          </Link>
          {name !== null && <span class="who">{name}</span>}
          {!open && (
            <button type="button" onClick={onSignOut}>
              Sign out
            </button>
          )}
        </div>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <Link href={href} aria-current={location.startsWith(href) ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main" class="page" key={`${place.project}/${place.environment}`}>
        <Switch>
          <Route path="/flags/:name">{(params) => <FlagPage name={decodeURIComponent(params.name)} />}</Route>
          <Route path="/guide" component={GuidePage} />
          <Route path="/projects" component={ProjectsPage} />
          <Route path="/environments" component={EnvironmentsPage} />
          <Route path="/webhooks" component={WebhooksPage} />
          <Route path="/segments" component={SegmentsPage} />
          <Route path="/experiments/:key">
            {(params) => <ExperimentPage experimentKey={decodeURIComponent(params.key)} />}
          </Route>
          <Route path="/experiments" component={ExperimentsPage} />
          <Route path="/people" component={PeoplePage} />
          <Route path="/keys">{() => <KeysPage onSignedIn={onSignedIn} />}</Route>
          <Route path="/audit" component={AuditPage} />
          <Route component={FlagsPage} />
        </Switch>
      </main>
    </PlaceContext.Provider>
  );
}
