/**
 * One container's objects: pseudo-folders by prefix and delimiter, pages of `limit` entries (the next
 * page starts after the last name shown, Swift's marker), download, delete (every version too when
 * the container keeps versions), and the upload panel for the current folder.
 */
import { encodePath, type Client, type ObjectEntry, type SubdirEntry } from './api.js';
import { containerSettings } from './container-settings.js';
import { button, el, formatBytes, status } from './dom.js';
import { uploadPanel } from './upload-panel.js';
import type { Uploader } from './upload.js';

export interface ObjectsNav {
  browse(container: string, prefix: string, marker?: string): void;
  details(container: string, name: string): void;
  back(): void;
}

export const PAGE_SIZE = 50;

export async function saveBlob(blob: Blob, filename: string): Promise<void> {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename.split('/').pop() ?? 'download' });
  document.body.append(a);
  a.click();
  a.remove();
  // The save has started from the URL; free the bytes a little later.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export async function downloadObject(client: Client, container: string, name: string, versionId?: string): Promise<void> {
  status(`Downloading ${name}…`);
  const blob = await client.download(container, name, versionId);
  await saveBlob(blob, name);
  status(`Downloaded ${name} (${formatBytes(blob.size)}).`);
}

/** Deletes an object; with `allVersions`, every version of it (and its delete markers) one by one. */
export async function deleteObject(client: Client, container: string, name: string, allVersions: boolean): Promise<void> {
  const path = `/${encodePath(container)}/${encodePath(name)}`;
  if (!allVersions) {
    // A static large object goes with its segments, as `swift delete` does.
    const slo = (await client.headers(path)).get('x-static-large-object') === 'True';
    await client.swift(path, { method: 'DELETE', query: slo ? { 'multipart-manifest': 'delete' } : {} });
    return;
  }
  const versions = (await client.listVersions(container, name)).filter((v) => v.name === name);
  for (const v of versions) await client.swift(path, { method: 'DELETE', query: { 'version-id': v.version_id } });
  if (versions.length === 0) await client.swift(path, { method: 'DELETE' });
}

export async function objectsView(client: Client, uploader: Uploader, container: string, prefix: string, marker: string | undefined, nav: ObjectsNav): Promise<HTMLElement> {
  const [entries, headers] = await Promise.all([
    client.listObjects(container, { prefix, delimiter: '/', marker, limit: PAGE_SIZE }),
    client.headers(`/${encodePath(container)}`),
  ]);
  const versioned = headers.get('x-versions-enabled') === 'True' || headers.get('x-versions-enabled') === 'true';
  const reload = () => nav.browse(container, prefix, marker);

  const crumbs: (Node | string)[] = [button(container, () => nav.browse(container, ''), { class: 'link crumb' })];
  let acc = '';
  for (const part of prefix.split('/').filter((p) => p !== '')) {
    acc += `${part}/`;
    const target = acc;
    crumbs.push(' / ', button(part, () => nav.browse(container, target), { class: 'link crumb' }));
  }

  const rows = entries.map((e) => 'subdir' in e ? subdirRow(e, container, nav) : objectRow(client, e, container, versioned, nav, reload));
  const last = entries[entries.length - 1];
  const lastName = last ? ('subdir' in last ? last.subdir : last.name) : undefined;
  const paging = el('div', { class: 'paging' },
    marker !== undefined ? button('First page', () => nav.browse(container, prefix), { id: 'first-page' }) : undefined,
    entries.length === PAGE_SIZE && lastName !== undefined ? button('Next page', () => nav.browse(container, prefix, lastName), { id: 'next-page' }) : undefined);

  return el('section', { id: 'objects-view', 'data-container': container, 'data-prefix': prefix },
    el('p', {}, button('← Containers', () => nav.back(), { class: 'link', id: 'back-to-containers' })),
    el('h2', { class: 'crumbs' }, ...crumbs),
    uploadPanel(client, uploader, container, prefix),
    el('table', { id: 'objects' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Size'), el('th', {}, 'Modified'), el('th', {}, ''))),
      el('tbody', {}, ...rows)),
    entries.length === 0 ? el('p', { class: 'muted' }, 'No objects here.') : undefined,
    paging,
    await containerSettings(client, container, headers, reload));
}

function subdirRow(e: SubdirEntry, container: string, nav: ObjectsNav): HTMLElement {
  return el('tr', { class: 'subdir', 'data-subdir': e.subdir },
    el('td', {}, button(e.subdir, () => nav.browse(container, e.subdir), { class: 'link folder open-subdir' })),
    el('td', {}), el('td', {}), el('td', {}));
}

function objectRow(client: Client, o: ObjectEntry, container: string, versioned: boolean, nav: ObjectsNav, reload: () => void): HTMLElement {
  const fail = (err: unknown) => status(String(err instanceof Error ? err.message : err), true);
  return el('tr', { class: 'object', 'data-object': o.name },
    el('td', {}, button(o.name, () => nav.details(container, o.name), { class: 'link object-details' })),
    el('td', { class: 'num' }, formatBytes(o.bytes)),
    el('td', {}, o.last_modified.replace('T', ' ').slice(0, 19)),
    el('td', { class: 'actions' },
      button('Download', () => { downloadObject(client, container, o.name).catch(fail); }, { class: 'download' }),
      button('Delete', () => {
        const all = versioned && confirm(`Delete every version of ${o.name} too? (Cancel deletes the current version only.)`);
        if (!versioned && !confirm(`Delete ${o.name}?`)) return;
        deleteObject(client, container, o.name, all).then(() => { status(`Deleted ${o.name}.`); reload(); }).catch(fail);
      }, { class: 'danger delete-object' })));
}
