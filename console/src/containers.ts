/** The account's containers with their object counts and sizes; create and delete. */
import { encodePath, type Client } from './api.js';
import { button, el, field, formatBytes, status } from './dom.js';

export interface ContainersNav {
  open(container: string): void;
  refresh(): void;
}

export async function containersView(client: Client, nav: ContainersNav): Promise<HTMLElement> {
  const containers = await client.listContainers();
  const name = field('New container', 'container-name', { placeholder: 'name', required: 'true' });
  const form = el('form', { id: 'create-container', class: 'inline' }, name.row, el('button', { type: 'submit' }, 'Create'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = name.input.value.trim();
    if (!n) return;
    client.swift(`/${encodePath(n)}`, { method: 'PUT' })
      .then(() => { status(`Container ${n} created.`); nav.refresh(); })
      .catch((err: unknown) => status(String(err instanceof Error ? err.message : err), true));
  });
  const rows = containers.map((c) => el('tr', { 'data-container': c.name },
    el('td', {}, button(c.name, () => nav.open(c.name), { class: 'link open-container' })),
    el('td', { class: 'num count' }, String(c.count)),
    el('td', { class: 'num bytes' }, formatBytes(c.bytes)),
    el('td', {}, button('Delete', () => {
      if (!confirm(`Delete container ${c.name}? It must be empty.`)) return;
      client.swift(`/${encodePath(c.name)}`, { method: 'DELETE' })
        .then(() => { status(`Container ${c.name} deleted.`); nav.refresh(); })
        .catch((err: unknown) => status(String(err instanceof Error ? err.message : err), true));
    }, { class: 'danger delete-container' }))));
  const total = containers.reduce((n, c) => n + c.bytes, 0);
  return el('section', { id: 'containers-view' },
    el('h2', {}, `Containers of ${client.session.projectName}`),
    form,
    el('table', { id: 'containers' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Objects'), el('th', {}, 'Size'), el('th', {}, ''))),
      el('tbody', {}, ...rows)),
    el('p', { class: 'muted' }, `${containers.length} containers, ${formatBytes(total)}`));
}
