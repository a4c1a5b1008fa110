/** Another account opened read-only (a service account): its containers, then one container's objects by folder. */
import type { Client, ObjectEntry } from './api.js';
import { button, el, formatBytes } from './dom.js';
import { PAGE_SIZE } from './objects.js';

export interface ReadOnlyNav {
  show(accountPath: string, container?: string, prefix?: string, marker?: string): void;
  back(): void;
}

export async function readOnlyAccountView(client: Client, accountPath: string, container: string | undefined, prefix: string, marker: string | undefined, nav: ReadOnlyNav): Promise<HTMLElement> {
  const title = el('h2', {}, `${accountPath.split('/').pop() ?? ''} (read-only)`);
  if (container === undefined) {
    const containers = await client.listContainers(accountPath);
    return el('section', { id: 'readonly-view' }, el('p', {}, button('← Administration', nav.back, { class: 'link' })), title,
      el('table', {}, el('tbody', {}, ...containers.map((c) => el('tr', {},
        el('td', {}, button(c.name, () => nav.show(accountPath, c.name, ''), { class: 'link' })),
        el('td', { class: 'num' }, String(c.count)), el('td', { class: 'num' }, formatBytes(c.bytes)))))));
  }
  const entries = await client.listObjects(container, { prefix, delimiter: '/', marker, limit: PAGE_SIZE }, accountPath);
  const last = entries[entries.length - 1];
  const lastName = last ? ('subdir' in last ? last.subdir : last.name) : undefined;
  return el('section', { id: 'readonly-view' }, el('p', {}, button('← Containers', () => nav.show(accountPath), { class: 'link' })), title,
    el('h3', {}, `${container}/${prefix}`),
    el('table', {}, el('tbody', {}, ...entries.map((e) => 'subdir' in e
      ? el('tr', {}, el('td', {}, button(e.subdir, () => nav.show(accountPath, container, e.subdir), { class: 'link folder' })), el('td', {}))
      : el('tr', {}, el('td', {}, (e as ObjectEntry).name), el('td', { class: 'num' }, formatBytes(e.bytes)))))),
    entries.length === PAGE_SIZE && lastName ? button('Next page', () => nav.show(accountPath, container, prefix, lastName)) : undefined);
}
