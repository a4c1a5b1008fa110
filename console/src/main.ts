/**
 * The console's entry point: shows the login form, then the views, and keeps the session in this
 * module's memory only (a reload or a closed tab logs out; nothing is written to storage or URLs).
 */
import { Client, loadSettings, type ConsoleSettings, type Session } from './api.js';
import { adminView } from './admin.js';
import { containersView } from './containers.js';
import { imageAuditView } from './image-audit.js';
import { el, button, replace, status } from './dom.js';
import { loginView } from './login.js';
import { objectDetails } from './object-details.js';
import { objectsView } from './objects.js';
import { readOnlyAccountView } from './readonly-account.js';
import { progressRow } from './upload-panel.js';
import { Uploader, type UploadJob } from './upload.js';

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const uploadsList = document.getElementById('uploads') as HTMLUListElement;

let client: Client | undefined;
let uploader: Uploader | undefined;
const uploadRows = new Map<UploadJob, HTMLElement>();
/** The container whose objects are shown, and how to show them again (after uploads end). */
let shownContainer: { name: string; refresh: () => void } | undefined;

/** Renders a view; a failure shows in the status line, and an expired token returns to the login. */
function show(render: () => Promise<HTMLElement>, container?: { name: string; refresh: () => void }): void {
  shownContainer = container;
  render().then((view) => replace(main, view)).catch((err: unknown) => {
    const code = (err as { status?: number }).status;
    status(String(err instanceof Error ? err.message : err), true);
    if (code === 401) logout();
  });
}

function containers(): void {
  const c = client;
  if (!c) return;
  show(() => containersView(c, { open: (name) => browse(name, ''), refresh: containers }));
}

function browse(container: string, prefix: string, marker?: string): void {
  const c = client;
  const u = uploader;
  if (!c || !u) return;
  show(() => objectsView(c, u, container, prefix, marker, {
    browse, back: containers,
    details: (cont, name) => details(cont, name, () => browse(container, prefix, marker)),
  }), { name: container, refresh: () => browse(container, prefix, marker) });
}

function details(container: string, name: string, back: () => void): void {
  const c = client;
  if (!c) return;
  show(() => objectDetails(c, container, name, back, () => details(container, name, back)));
}

function admin(settings: ConsoleSettings): void {
  const c = client;
  if (!c) return;
  const readOnly = (accountPath: string, container?: string, prefix = '', marker?: string) => {
    show(() => readOnlyAccountView(c, accountPath, container, prefix, marker, { show: readOnly, back: () => admin(settings) }));
  };
  show(() => adminView(c, settings.serviceAccountPrefixes, { refresh: () => admin(settings), openAccount: (p) => readOnly(p) }));
}

function imageAudit(): void {
  const c = client;
  if (!c) return;
  show(() => imageAuditView(c));
}

function onProgress(job: UploadJob): void {
  if (!uploader) return;
  const row = progressRow(job, uploader);
  const old = uploadRows.get(job);
  if (old) old.replaceWith(row);
  else uploadsList.append(row);
  uploadRows.set(job, row);
  // The listing shows the new objects once the uploads into it are over.
  const busy = uploader.jobs.some((j) => j.state === 'uploading' || j.state === 'queued');
  if (job.state === 'done' && !busy && shownContainer?.name === job.container) shownContainer.refresh();
}

function logout(): void {
  const c = client;
  client = undefined;
  uploader = undefined;
  uploadRows.clear();
  uploadsList.replaceChildren();
  // Revoke the token on the server too, so that it is worthless once the user logged out.
  if (c) void fetch(`${c.settings.identityUrl}/auth/tokens`, { method: 'DELETE', headers: { 'x-auth-token': c.session.token, 'x-subject-token': c.session.token }, credentials: 'omit' }).catch(() => undefined);
  void start();
}

function loggedIn(settings: ConsoleSettings, session: Session): void {
  client = new Client(session, settings);
  uploader = new Uploader(client, onProgress);
  const c = client;
  replace(nav,
    el('span', { id: 'whoami' }, `${session.userName} @ ${session.projectName}`),
    button('Containers', containers, { id: 'nav-containers' }),
    c.isAdmin ? button('Administration', () => admin(settings), { id: 'nav-admin' }) : undefined,
    c.isAdmin && settings.imageServiceUrl ? button('Image audit', imageAudit, { id: 'nav-image-audit' }) : undefined,
    button('Log out', logout, { id: 'nav-logout' }));
  containers();
}

async function start(): Promise<void> {
  replace(nav);
  try {
    const settings = await loadSettings();
    replace(main, loginView(settings, (session) => loggedIn(settings, session)));
  } catch (err) {
    status(String(err instanceof Error ? err.message : err), true);
  }
}

void start();
