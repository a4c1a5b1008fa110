/**
 * The image audit's latest findings, for identity administrators: what `swiftlet images audit` found
 * at its last run, read from the image service (GET /v2/audit/latest). The image service decides
 * who may read it (its administrators and `[images] audit_roles`); this page shows its answer.
 */
import { ApiError, type Client } from './api.js';
import { el } from './dom.js';

interface Finding {
  kind: string;
  account: string;
  object: string;
  image_id: string | null;
  image_status: string | null;
  detail: string;
  repaired: boolean;
}

interface AuditRun {
  started_at: string;
  finished_at: string;
  repair: boolean;
  error: string | null;
  clean: boolean;
  accounts: number;
  images: number;
  objects: number;
  findings: Finding[];
}

function view(...children: (Node | string)[]): HTMLElement {
  return el('section', { id: 'image-audit-view' }, el('h2', {}, 'Image audit'), ...children);
}

const note = (text: string) => el('p', { id: 'image-audit-summary' }, text);

export async function imageAuditView(client: Client): Promise<HTMLElement> {
  if (!client.settings.imageServiceUrl) return view(note('No image service is configured ([images] public_url).'));
  let run: AuditRun | null;
  try {
    ({ audit: run } = await client.imageAudit<{ audit: AuditRun | null }>());
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) {
      return view(note('Your token may not read the image audit: it needs an image administrator role ([images] admin_roles) or an [images] audit_roles role.'));
    }
    if (err instanceof ApiError) throw err;
    // fetch rejects without a status when the service is down or refuses the console's origin (CORS).
    return view(note(`The image service at ${client.settings.imageServiceUrl} cannot be reached from this page.`));
  }
  if (!run) return view(note('No audit has run yet (swiftlet images audit).'));
  const when = `Last run finished ${run.finished_at}${run.repair ? ' (with --repair)' : ''}`;
  if (run.error !== null) return view(note(`${when}: the audit could not run: ${run.error}`));
  const open = run.findings.filter((f) => !f.repaired).length;
  const summary = `${when}: ${run.images} image(s), ${run.objects} object(s) in ${run.accounts} account(s); `
    + (run.findings.length === 0 ? 'clean.' : `${run.findings.length} finding(s), ${open} unrepaired.`);
  const rows = run.findings.map((f) => el('tr', { 'data-kind': f.kind, ...(f.image_id ? { 'data-image': f.image_id } : {}) },
    el('td', {}, f.kind), el('td', { class: 'mono' }, f.account), el('td', { class: 'mono' }, f.object), el('td', {}, f.image_status ?? '-'),
    el('td', {}, f.repaired ? 'yes' : 'no'), el('td', {}, f.detail)));
  return view(note(summary),
    el('div', { class: 'card' }, el('table', { id: 'image-audit-findings' },
      el('thead', {}, el('tr', {}, ...['Finding', 'Account', 'Object', 'Image status', 'Repaired', 'Detail'].map((h) => el('th', {}, h)))),
      el('tbody', {}, ...rows))),
    el('p', { class: 'muted' }, 'Mismatches and orphans are never repaired automatically; see docs/service-accounts.md.'));
}
