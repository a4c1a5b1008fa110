/**
 * Uploads files with a progress report per file (XMLHttpRequest, whose upload events fetch lacks).
 * A file above the configured threshold goes up as a static large object: its segments into
 * `<container>_segments`, then the manifest (`?multipart-manifest=put`). A segment that fails is
 * retried alone (a few times for network errors and 5xx); when it still fails the upload stops as
 * `failed` and `resume()` sends only the segments not yet stored.
 */
import { encodePath, type Client } from './api.js';

export type UploadState = 'queued' | 'uploading' | 'done' | 'failed';

export interface UploadJob {
  file: Blob;
  container: string;
  name: string;
  contentType: string;
  state: UploadState;
  loaded: number;
  error?: string;
  /** Segments stored so far (index → etag), for a resumed large upload. */
  segments: Map<number, { etag: string; size: number }>;
  segmented: boolean;
}

export type ProgressListener = (job: UploadJob) => void;

interface XhrResult { status: number; etag: string; text: string }

/** Retries for a segment that failed through the network or a server error (client errors never are). */
const SEGMENT_RETRIES = 2;

function put(url: string, token: string, body: Blob, headers: Record<string, string>, onProgress: (loaded: number) => void): Promise<XhrResult> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('X-Auth-Token', token);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.addEventListener('progress', (e) => onProgress(e.loaded));
    xhr.addEventListener('load', () => resolve({ status: xhr.status, etag: (xhr.getResponseHeader('etag') ?? '').replace(/"/g, ''), text: xhr.responseText }));
    // A status of 0: the request never got an answer (network error or abort).
    xhr.addEventListener('error', () => resolve({ status: 0, etag: '', text: 'network error' }));
    xhr.addEventListener('abort', () => resolve({ status: 0, etag: '', text: 'aborted' }));
    xhr.send(body);
  });
}

export class Uploader {
  readonly jobs: UploadJob[] = [];

  constructor(private readonly client: Client, private readonly onProgress: ProgressListener) {}

  add(file: Blob, container: string, name: string): UploadJob {
    const job: UploadJob = {
      file, container, name, contentType: file.type || 'application/octet-stream', state: 'queued', loaded: 0,
      segments: new Map(), segmented: file.size > this.client.settings.sloThreshold,
    };
    this.jobs.push(job);
    this.onProgress(job);
    return job;
  }

  /** Runs one job to its end; a failure leaves the job `failed` (and what it stored) for resume(). */
  async run(job: UploadJob): Promise<void> {
    job.state = 'uploading';
    job.error = undefined;
    this.onProgress(job);
    try {
      if (job.segmented) await this.runSegmented(job);
      else await this.runSingle(job);
      job.state = 'done';
      job.loaded = job.file.size;
    } catch (err) {
      job.state = 'failed';
      job.error = err instanceof Error ? err.message : String(err);
    }
    this.onProgress(job);
  }

  resume(job: UploadJob): Promise<void> {
    return this.run(job);
  }

  private objectUrl(container: string, name: string, query = ''): string {
    return `${this.client.session.storagePath}/${encodePath(container)}/${encodePath(name)}${query}`;
  }

  private async runSingle(job: UploadJob): Promise<void> {
    const r = await put(this.objectUrl(job.container, job.name), this.client.session.token, job.file, { 'Content-Type': job.contentType }, (loaded) => {
      job.loaded = loaded;
      this.onProgress(job);
    });
    if (r.status !== 201) throw new Error(`upload failed: ${r.status || r.text}`);
  }

  private segmentContainer(job: UploadJob): string {
    return `${job.container}_segments`;
  }

  /** Segment names carry the file's size and the segment size, as swiftclient's do, so two uploads never mix. */
  private segmentName(job: UploadJob, index: number): string {
    const size = this.client.settings.segmentSize;
    const stamp = job.file instanceof File ? job.file.lastModified : 0;
    return `${job.name}/slo/${stamp}/${job.file.size}/${size}/${index.toString().padStart(8, '0')}`;
  }

  private async runSegmented(job: UploadJob): Promise<void> {
    const size = this.client.settings.segmentSize;
    const count = Math.max(1, Math.ceil(job.file.size / size));
    if (job.segments.size === 0) await this.client.swift(`/${encodePath(this.segmentContainer(job))}`, { method: 'PUT' });
    const stored = () => [...job.segments.values()].reduce((n, s) => n + s.size, 0);
    for (let i = 0; i < count; i++) {
      if (job.segments.has(i)) continue;
      const part = job.file.slice(i * size, Math.min(job.file.size, (i + 1) * size));
      const before = stored();
      let r: XhrResult = { status: 0, etag: '', text: '' };
      for (let attempt = 0; attempt <= SEGMENT_RETRIES; attempt++) {
        r = await put(this.objectUrl(this.segmentContainer(job), this.segmentName(job, i)), this.client.session.token, part, {}, (loaded) => {
          job.loaded = before + loaded;
          this.onProgress(job);
        });
        if (r.status === 201 || (r.status >= 400 && r.status < 500)) break;
        await new Promise((res) => setTimeout(res, 500 * (attempt + 1)));
      }
      if (r.status !== 201) throw new Error(`segment ${i + 1} of ${count} failed: ${r.status || r.text}`);
      job.segments.set(i, { etag: r.etag, size: part.size });
      job.loaded = stored();
      this.onProgress(job);
    }
    const manifest = [...Array(count).keys()].map((i) => ({
      path: `/${this.segmentContainer(job)}/${this.segmentName(job, i)}`,
      etag: job.segments.get(i)?.etag ?? '',
      size_bytes: job.segments.get(i)?.size ?? 0,
    }));
    const r = await put(this.objectUrl(job.container, job.name, '?multipart-manifest=put'), this.client.session.token,
      new Blob([JSON.stringify(manifest)], { type: 'application/json' }), { 'Content-Type': job.contentType }, () => undefined);
    if (r.status !== 201) throw new Error(`manifest failed: ${r.status} ${r.text.slice(0, 200)}`);
  }
}
