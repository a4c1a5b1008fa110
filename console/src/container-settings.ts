/** A container's metadata, its ACLs (X-Container-Read/Write) and whether it keeps object versions. */
import { encodePath, type Client } from './api.js';
import { el, field, formatBytes, status } from './dom.js';
import { metadataEditor } from './metadata.js';

export async function containerSettings(client: Client, container: string, headers: Headers, reload: () => void): Promise<HTMLElement> {
  const path = `/${encodePath(container)}`;
  const post = async (h: Record<string, string>) => {
    await client.swift(path, { method: 'POST', headers: h });
    status(`Container ${container} updated.`);
    reload();
  };
  const fail = (err: unknown) => status(String(err instanceof Error ? err.message : err), true);

  const read = field('Read ACL (X-Container-Read)', 'acl-read', { value: headers.get('x-container-read') ?? '', placeholder: '.r:*,.rlistings or project:user' });
  const write = field('Write ACL (X-Container-Write)', 'acl-write', { value: headers.get('x-container-write') ?? '', placeholder: 'project:user' });
  const acl = el('form', { id: 'acl-form', class: 'stacked' }, el('h3', {}, 'Access control'), read.row, write.row, el('button', { type: 'submit' }, 'Save ACLs'));
  acl.addEventListener('submit', (e) => {
    e.preventDefault();
    // An empty value removes the ACL, as Swift reads an empty header.
    post({ 'X-Container-Read': read.input.value.trim(), 'X-Container-Write': write.input.value.trim() }).catch(fail);
  });

  const enabled = /^true$/i.test(headers.get('x-versions-enabled') ?? '');
  const versioning = el('input', { type: 'checkbox', id: 'versioning', ...(enabled ? { checked: true } : {}) });
  versioning.addEventListener('change', () => { post({ 'X-Versions-Enabled': versioning.checked ? 'true' : 'false' }).catch(fail); });

  return el('section', { id: 'container-settings', class: 'card' },
    el('h2', {}, `Settings of ${container}`),
    el('p', { class: 'muted' }, `${headers.get('x-container-object-count') ?? '?'} objects, ${formatBytes(Number(headers.get('x-container-bytes-used') ?? 0))}, policy ${headers.get('x-storage-policy') ?? '?'}`),
    el('label', { class: 'check' }, versioning, ' Keep object versions (X-Versions-Enabled)'),
    acl,
    metadataEditor('container', headers, post));
}
