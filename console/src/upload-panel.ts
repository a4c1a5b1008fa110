/** Drop zone and file pickers (files, folders) for the current folder, with one progress bar per file. */
import type { Client } from './api.js';
import { el, formatBytes, status } from './dom.js';
import type { Uploader, UploadJob } from './upload.js';

/** Files of a dropped folder, read recursively, with their path relative to the drop. */
async function entryFiles(entry: FileSystemEntry, path: string): Promise<{ file: File; path: string }[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    return [{ file, path: `${path}${entry.name}` }];
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const out: { file: File; path: string }[] = [];
  // readEntries answers in batches until it answers an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
    if (batch.length === 0) break;
    for (const child of batch) out.push(...await entryFiles(child, `${path}${entry.name}/`));
  }
  return out;
}

export function progressRow(job: UploadJob, uploader: Uploader): HTMLElement {
  const bar = el('progress', { max: String(Math.max(job.file.size, 1)), value: String(job.loaded) });
  const pct = job.file.size === 0 ? (job.state === 'done' ? 100 : 0) : Math.floor((job.loaded / job.file.size) * 100);
  const row = el('li', { class: `upload ${job.state}`, 'data-upload': job.name, 'data-percent': String(pct), 'data-state': job.state },
    el('span', { class: 'upload-name' }, job.name),
    bar,
    el('span', { class: 'upload-percent' }, `${pct}%`),
    el('span', { class: 'muted' }, `${formatBytes(job.loaded)} / ${formatBytes(job.file.size)}${job.segmented ? ` · SLO, ${job.segments.size} segments stored` : ''}`),
    job.error ? el('span', { class: 'error' }, job.error) : undefined);
  if (job.state === 'failed') {
    const resume = el('button', { type: 'button', class: 'resume' }, 'Resume');
    resume.addEventListener('click', () => { void uploader.resume(job); });
    row.append(resume);
  }
  return row;
}

export function uploadPanel(client: Client, uploader: Uploader, container: string, prefix: string): HTMLElement {
  const files = el('input', { type: 'file', multiple: true, id: 'file-input' });
  const folder = el('input', { type: 'file', multiple: true, webkitdirectory: true, id: 'folder-input' });
  const start = async (items: { file: File; path: string }[]) => {
    const jobs = items.map((i) => uploader.add(i.file, container, `${prefix}${i.path}`));
    // One file at a time: the bars fill in turn and the browser keeps a single upload connection busy.
    for (const job of jobs) await uploader.run(job);
  };
  files.addEventListener('change', () => { void start([...files.files ?? []].map((file) => ({ file, path: file.name }))); });
  folder.addEventListener('change', () => { void start([...folder.files ?? []].map((file) => ({ file, path: file.webkitRelativePath || file.name }))); });
  const zone = el('div', { id: 'drop-zone', class: 'drop-zone' },
    el('p', {}, `Drop files or folders here to upload them to ${container}/${prefix}`),
    el('label', { class: 'picker' }, 'Files: ', files),
    el('label', { class: 'picker' }, 'Folder: ', folder),
    el('p', { class: 'muted' }, `Files above ${formatBytes(client.settings.sloThreshold)} go up in ${formatBytes(client.settings.segmentSize)} segments (static large object).`));
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const entries = [...e.dataTransfer?.items ?? []].map((i) => i.webkitGetAsEntry()).filter((x): x is FileSystemEntry => x !== null);
    // Entries (which hold folders) exist for drops from the desktop; other drops carry files only.
    const dropped = entries.length > 0
      ? Promise.all(entries.map((entry) => entryFiles(entry, ''))).then((lists) => lists.flat())
      : Promise.resolve([...e.dataTransfer?.files ?? []].map((file) => ({ file, path: file.name })));
    dropped.then(start).catch((err: unknown) => status(String(err instanceof Error ? err.message : err), true));
  });
  return zone;
}
