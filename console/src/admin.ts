/**
 * Identity administration through `/v3` (projects, users, roles, role assignments) and the service
 * accounts (`SERVICE_<project id>`), which an administrator reads only if the token carries a role
 * that may read them (a `<PREFIX>_reader_roles` role or the reseller admin): the server decides,
 * the console shows what it answers.
 */
import type { Client } from './api.js';
import { button, el, field, formatBytes, status } from './dom.js';

interface Project { id: string; name: string; enabled: boolean; description?: string }
interface User { id: string; name: string; enabled: boolean; default_project_id?: string }
interface Role { id: string; name: string }
interface Assignment { role: { id: string; name?: string }; user: { id: string; name?: string }; scope: { project?: { id: string; name?: string } } }

export interface AdminNav {
  refresh(): void;
  /** Opens an account read-only (service accounts). */
  openAccount(accountPath: string): void;
}

const fail = (err: unknown) => status(String(err instanceof Error ? err.message : err), true);

function select(name: string, options: { value: string; label: string }[]): HTMLSelectElement {
  return el('select', { name, 'data-field': name }, ...options.map((o) => el('option', { value: o.value }, o.label)));
}

export async function adminView(client: Client, servicePrefixes: string[], nav: AdminNav): Promise<HTMLElement> {
  const [{ projects }, { users }, { roles }, { role_assignments: assignments }] = await Promise.all([
    client.identity<{ projects: Project[] }>('GET', '/projects'),
    client.identity<{ users: User[] }>('GET', '/users'),
    client.identity<{ roles: Role[] }>('GET', '/roles'),
    client.identity<{ role_assignments: Assignment[] }>('GET', '/role_assignments?include_names'),
  ]);
  const act = (p: Promise<unknown>, done: string) => { p.then(() => { status(done); nav.refresh(); }).catch(fail); };

  // Projects
  const pName = field('Name', 'project-name', { required: 'true' });
  const pForm = el('form', { id: 'create-project', class: 'inline' }, pName.row, el('button', { type: 'submit' }, 'Create project'));
  pForm.addEventListener('submit', (e) => {
    e.preventDefault();
    act(client.identity('POST', '/projects', { project: { name: pName.input.value.trim(), domain_id: 'default' } }), `Project ${pName.input.value} created.`);
  });
  const projectRows = projects.map((p) => el('tr', { 'data-project': p.name }, el('td', {}, p.name), el('td', { class: 'mono' }, p.id), el('td', {}, p.enabled ? 'enabled' : 'disabled'),
    el('td', {}, button('Delete', () => { if (confirm(`Delete project ${p.name}?`)) act(client.identity('DELETE', `/projects/${p.id}`), `Project ${p.name} deleted.`); }, { class: 'danger' }))));

  // Users
  const uName = field('Name', 'user-name', { required: 'true' });
  const uPassword = field('Password', 'user-password', { type: 'password', required: 'true', autocomplete: 'new-password' });
  const uProject = select('user-project', projects.map((p) => ({ value: p.id, label: p.name })));
  const uRole = select('user-role', roles.map((r) => ({ value: r.id, label: r.name })));
  const uForm = el('form', { id: 'create-user', class: 'inline' }, uName.row, uPassword.row,
    el('label', {}, el('span', {}, 'Project'), uProject), el('label', {}, el('span', {}, 'Role'), uRole), el('button', { type: 'submit' }, 'Create user'));
  uForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = uName.input.value.trim();
    act((async () => {
      const { user } = await client.identity<{ user: User }>('POST', '/users', { user: { name, password: uPassword.input.value, default_project_id: uProject.value, domain_id: 'default' } });
      // The new user can log in to the project at once: it holds the chosen role there.
      if (uRole.value) await client.identity('PUT', `/projects/${uProject.value}/users/${user.id}/roles/${uRole.value}`);
    })(), `User ${name} created.`);
  });
  const userRows = users.map((u) => el('tr', { 'data-user': u.name }, el('td', {}, u.name), el('td', { class: 'mono' }, u.id),
    el('td', {}, projects.find((p) => p.id === u.default_project_id)?.name ?? ''), el('td', {}, u.enabled ? 'enabled' : 'disabled'),
    el('td', {}, u.id === client.session.userId ? undefined : button('Delete', () => { if (confirm(`Delete user ${u.name}?`)) act(client.identity('DELETE', `/users/${u.id}`), `User ${u.name} deleted.`); }, { class: 'danger' }))));

  // Roles and assignments
  const rName = field('Name', 'role-name', { required: 'true' });
  const rForm = el('form', { id: 'create-role', class: 'inline' }, rName.row, el('button', { type: 'submit' }, 'Create role'));
  rForm.addEventListener('submit', (e) => { e.preventDefault(); act(client.identity('POST', '/roles', { role: { name: rName.input.value.trim() } }), `Role ${rName.input.value} created.`); });
  const aUser = select('grant-user', users.map((u) => ({ value: u.id, label: u.name })));
  const aProject = select('grant-project', projects.map((p) => ({ value: p.id, label: p.name })));
  const aRole = select('grant-role', roles.map((r) => ({ value: r.id, label: r.name })));
  const aForm = el('form', { id: 'grant-role', class: 'inline' }, aUser, aProject, aRole, el('button', { type: 'submit' }, 'Grant'));
  aForm.addEventListener('submit', (e) => { e.preventDefault(); act(client.identity('PUT', `/projects/${aProject.value}/users/${aUser.value}/roles/${aRole.value}`), 'Role granted.'); });
  const assignmentRows = assignments.map((a) => {
    const project = a.scope.project;
    return el('tr', {}, el('td', {}, a.user.name ?? a.user.id), el('td', {}, project?.name ?? project?.id ?? ''), el('td', {}, a.role.name ?? a.role.id),
      el('td', {}, project ? button('Revoke', () => act(client.identity('DELETE', `/projects/${project.id}/users/${a.user.id}/roles/${a.role.id}`), 'Role revoked.'), { class: 'danger' }) : undefined));
  });

  return el('section', { id: 'admin-view' },
    el('h2', {}, 'Identity administration'),
    el('div', { class: 'card' }, el('h3', {}, 'Projects'), pForm, table(['Name', 'Id', 'State', ''], projectRows, 'projects')),
    el('div', { class: 'card' }, el('h3', {}, 'Users'), uForm, table(['Name', 'Id', 'Default project', 'State', ''], userRows, 'users')),
    el('div', { class: 'card' }, el('h3', {}, 'Roles and assignments'), rForm, el('p', {}, roles.map((r) => r.name).join(', ')), aForm,
      table(['User', 'Project', 'Role', ''], assignmentRows, 'assignments')),
    await serviceAccounts(client, projects, servicePrefixes, nav));
}

function table(head: string[], rows: HTMLElement[], id: string): HTMLTableElement {
  return el('table', { id }, el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))), el('tbody', {}, ...rows));
}

/** Every service account of every project, with its size, or why this token may not read it. */
async function serviceAccounts(client: Client, projects: Project[], prefixes: string[], nav: AdminNav): Promise<HTMLElement> {
  const v1 = client.session.storagePath.replace(/\/[^/]+$/, '');
  const rows: HTMLElement[] = [];
  for (const prefix of prefixes) {
    const answers = await Promise.all(projects.map(async (p) => {
      const path = `${v1}/${prefix}${p.id}`;
      try {
        const h = await client.headers('', path);
        return { p, path, text: `${h.get('x-account-container-count') ?? '0'} containers, ${h.get('x-account-object-count') ?? '0'} objects, ${formatBytes(Number(h.get('x-account-bytes-used') ?? 0))}`, ok: true };
      } catch (err) {
        const code = (err as { status?: number }).status;
        return { p, path, text: code === 403 || code === 401 ? 'not readable with this token (needs a reader role)' : `unavailable (${code ?? 'error'})`, ok: false };
      }
    }));
    for (const a of answers) {
      rows.push(el('tr', { 'data-account': `${prefix}${a.p.id}` }, el('td', { class: 'mono' }, `${prefix}${a.p.id}`), el('td', {}, a.p.name), el('td', {}, a.text),
        el('td', {}, a.ok ? button('Open read-only', () => nav.openAccount(a.path)) : undefined)));
    }
  }
  return el('div', { class: 'card', id: 'service-accounts' }, el('h3', {}, 'Service accounts'),
    el('p', { class: 'muted' }, 'Read with your token; writing to a service account also needs a service token, which the console never sends.'),
    table(['Account', 'Project', 'Usage', ''], rows, 'service-accounts-table'));
}
