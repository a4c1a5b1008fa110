/**
 * One object: its headers and metadata, a temporary URL signed with the account's key (HMAC-SHA256
 * in the browser; the key is the account's `Temp-URL-Key`, which the user may set here), and its
 * versions when the container keeps them: download one, delete one, or restore it (PUT ?version-id).
 */
import { encodePath, type Client } from './api.js';
import { button, el, field, formatBytes, status } from './dom.js';
import { metadataEditor } from './metadata.js';
import { deleteObject, downloadObject } from './objects.js';

function hex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Swift's temporary URL signature: HMAC over `METHOD\nexpires\npath`, path decoded as the server reads it. */
export async function tempUrl(key: string, method: string, expires: number, path: string): Promise<string> {
  if (!crypto.subtle) throw new Error('Temporary URLs need a secure context (https or localhost) for WebCrypto.');
  const k = await crypto.subtle.importKey('raw', new TextEncoder().encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const sig = hex(await crypto.subtle.sign('HMAC', k, new TextEncoder().encode(`${method}\n${expires}\n${path}`)));
  return `${location.origin}${encodePath(path)}?temp_url_sig=${sig}&temp_url_expires=${expires}`;
}

function tempUrlForm(client: Client, container: string, name: string): HTMLElement {
  const minutes = field('Valid for (minutes)', 'tempurl-minutes', { type: 'number', value: '60', min: '1' });
  const out = el('input', { readonly: true, id: 'tempurl-output', class: 'wide' });
  const form = el('form', { id: 'tempurl-form', class: 'inline' }, minutes.row, el('button', { type: 'submit' }, 'Make temporary URL'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    (async () => {
      const account = await client.headers('');
      let key = account.get('x-account-meta-temp-url-key');
      if (!key) {
        if (!confirm('The account has no temporary URL key. Make one now?')) return;
        const bytes = crypto.getRandomValues(new Uint8Array(24));
        key = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
        await client.swift('', { method: 'POST', headers: { 'X-Account-Meta-Temp-URL-Key': key } });
      }
      const expires = Math.floor(Date.now() / 1000) + Math.max(1, Number(minutes.input.value) || 60) * 60;
      out.value = await tempUrl(key, 'GET', expires, `${client.session.storagePath}/${container}/${name}`);
      status('Temporary URL made: anyone holding it may GET the object until it expires.');
    })().catch((err: unknown) => status(String(err instanceof Error ? err.message : err), true));
  });
  return el('div', {}, el('h3', {}, 'Temporary URL'), form, out);
}

async function versionsList(client: Client, container: string, name: string, reload: () => void): Promise<HTMLElement> {
  const versions = (await client.listVersions(container, name)).filter((v) => v.name === name);
  const path = `/${encodePath(container)}/${encodePath(name)}`;
  const fail = (err: unknown) => status(String(err instanceof Error ? err.message : err), true);
  const rows = versions.map((v) => el('tr', { class: 'version', 'data-version': v.version_id },
    el('td', {}, v.version_id), el('td', {}, v.is_latest ? 'current' : ''),
    el('td', { class: 'num' }, v.content_type === 'application/x-deleted;swift_versions_deleted=1' ? 'delete marker' : formatBytes(v.bytes)),
    el('td', {}, v.last_modified.replace('T', ' ').slice(0, 19)),
    el('td', { class: 'actions' },
      button('Download', () => { downloadObject(client, container, name, v.version_id).catch(fail); }),
      v.is_latest ? undefined : button('Restore', () => {
        client.swift(path, { method: 'PUT', query: { 'version-id': v.version_id }, headers: { 'Content-Length': '0' } })
          .then(() => { status(`Version ${v.version_id} is current again.`); reload(); }).catch(fail);
      }, { class: 'restore' }),
      button('Delete', () => {
        if (!confirm(`Delete version ${v.version_id}?`)) return;
        client.swift(path, { method: 'DELETE', query: { 'version-id': v.version_id } }).then(reload).catch(fail);
      }, { class: 'danger' }))));
  return el('div', { id: 'versions' }, el('h3', {}, 'Versions'),
    el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Version'), el('th', {}, ''), el('th', {}, 'Size'), el('th', {}, 'Modified'), el('th', {}, ''))),
      el('tbody', {}, ...rows)));
}

export async function objectDetails(client: Client, container: string, name: string, back: () => void, reload: () => void): Promise<HTMLElement> {
  const path = `/${encodePath(container)}/${encodePath(name)}`;
  const [headers, containerHeaders] = await Promise.all([client.headers(path), client.headers(`/${encodePath(container)}`)]);
  const versioned = /^true$/i.test(containerHeaders.get('x-versions-enabled') ?? '');
  const fail = (err: unknown) => status(String(err instanceof Error ? err.message : err), true);
  const shown = ['content-type', 'content-length', 'etag', 'last-modified', 'x-object-version-id', 'x-static-large-object', 'x-delete-at'];
  return el('section', { id: 'object-view', 'data-object': name },
    el('p', {}, button(`← ${container}`, back, { class: 'link', id: 'back-to-objects' })),
    el('h2', {}, name),
    el('table', { class: 'headers' }, el('tbody', {}, ...shown.filter((h) => headers.has(h)).map((h) => el('tr', {}, el('th', {}, h), el('td', {}, headers.get(h) ?? ''))))),
    el('p', {},
      button('Download', () => { downloadObject(client, container, name).catch(fail); }, { class: 'download' }),
      button('Delete', () => {
        const all = versioned && confirm('Delete every version too? (Cancel deletes the current version only.)');
        if (!versioned && !confirm(`Delete ${name}?`)) return;
        deleteObject(client, container, name, all).then(back).catch(fail);
      }, { class: 'danger' })),
    metadataEditor('object', headers, async (h) => {
      await client.swift(path, { method: 'POST', headers: h });
      status(`Metadata of ${name} saved.`);
      reload();
    }),
    tempUrlForm(client, container, name),
    versioned ? await versionsList(client, container, name, reload) : undefined);
}
