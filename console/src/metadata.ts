/**
 * Editing metadata as Swift does it: a POST with `X-<Kind>-Meta-<Key>` sets a key, and
 * `X-Remove-<Kind>-Meta-<Key>` removes one. For objects a POST replaces all user metadata, so the
 * editor sends every key it keeps.
 */
import { metadataOf } from './api.js';
import { button, el, field, status } from './dom.js';

export function metadataEditor(kind: 'container' | 'object', headers: Headers, save: (h: Record<string, string>) => Promise<void>): HTMLElement {
  const meta = metadataOf(headers, kind);
  const Kind = kind === 'container' ? 'Container' : 'Object';
  const fail = (err: unknown) => status(String(err instanceof Error ? err.message : err), true);
  const keep = (without?: string): Record<string, string> => {
    const h: Record<string, string> = {};
    if (kind === 'object') for (const [k, v] of meta) if (k !== without) h[`X-Object-Meta-${k}`] = v;
    return h;
  };
  const rows = [...meta].map(([k, v]) => el('tr', { 'data-meta': k }, el('td', {}, k), el('td', {}, v),
    el('td', {}, button('Remove', () => {
      save({ ...keep(k), ...(kind === 'container' ? { [`X-Remove-Container-Meta-${k}`]: 'x' } : {}) }).catch(fail);
    }, { class: 'danger' }))));
  const key = field('Key', `${kind}-meta-key`);
  const value = field('Value', `${kind}-meta-value`);
  const form = el('form', { class: 'inline meta-form' }, key.row, value.row, el('button', { type: 'submit' }, 'Set'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const k = key.input.value.trim();
    if (!k) return;
    save({ ...keep(), [`X-${Kind}-Meta-${k}`]: value.input.value }).catch(fail);
  });
  return el('div', { class: 'metadata' }, el('h3', {}, 'Metadata'),
    el('table', {}, el('tbody', {}, ...rows)), meta.size === 0 ? el('p', { class: 'muted' }, 'No metadata.') : undefined, form);
}
