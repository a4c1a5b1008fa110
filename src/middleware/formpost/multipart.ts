/**
 * A streaming reader of `multipart/form-data` bodies (Swift's iter_multipart_mime_documents and
 * parse_mime_headers): parts are yielded one at a time, each with its headers and a body stream that
 * reads straight from the request. Nothing is buffered beyond one chunk and a delimiter's length, so
 * a form carrying a large file costs no more memory than a small one. A part's body must be read or
 * left before the next part is asked for; what is left is skipped.
 */
import { Readable } from 'node:stream';

/** The body does not start with the boundary (Swift's MimeInvalid). */
export class MultipartInvalid extends Error {}

/** The body breaks off inside a part or its headers, or its headers go on too long. */
export class MultipartMalformed extends Error {}

export interface FormPart {
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: Readable;
}

const MAX_HEADER_LINE = 8192;
const MAX_HEADER_LINES = 64;

/** Pulls chunks from a stream on demand and keeps the unread rest. */
class ChunkReader {
  buffer: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(private readonly chunks: AsyncIterator<Buffer | string>) {}

  /** Reads one more chunk; false at the end of the stream. */
  async more(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.chunks.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    return true;
  }

  take(n: number): Buffer {
    const head = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return head;
  }

  /** One line without its line ending, or undefined when the stream ends first or the line is too long. */
  async line(max: number): Promise<Buffer | undefined> {
    for (;;) {
      const nl = this.buffer.indexOf(0x0a);
      if (nl !== -1 && nl <= max) {
        const line = this.take(nl + 1);
        return line.subarray(0, line.length - (line.length > 1 && line[line.length - 2] === 0x0d ? 2 : 1));
      }
      if (this.buffer.length > max || !(await this.more())) return undefined;
    }
  }

  /** Makes at least `n` bytes available; false when the stream ends first. */
  async atLeast(n: number): Promise<boolean> {
    while (this.buffer.length < n) if (!(await this.more())) return false;
    return true;
  }
}

/** A part's body: the bytes up to the next `\r\n--boundary`, which is consumed with it. */
class PartBody {
  finished = false;
  readonly stream: Readable;
  private pumping = false;
  private again = false;

  constructor(private readonly reader: ChunkReader, private readonly delimiter: Buffer) {
    this.stream = new Readable({ read: () => this.pump() });
  }

  private pump(): void {
    if (this.finished) return;
    // A read asked for while a push is under way is served right after it, or the stream stalls.
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    this.next().then(
      () => {
        this.pumping = false;
        if (!this.again) return;
        this.again = false;
        this.pump();
      },
      (err: unknown) => {
        this.pumping = false;
        this.stream.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  /** Pushes what can be pushed now: up to the delimiter, or all but a delimiter's length of tail. */
  private async next(): Promise<void> {
    const { reader, delimiter } = this;
    for (;;) {
      const at = reader.buffer.indexOf(delimiter);
      if (at !== -1) {
        const last = reader.take(at);
        reader.take(delimiter.length);
        this.finished = true;
        if (last.length > 0) this.stream.push(last);
        this.stream.push(null);
        return;
      }
      // The delimiter may begin in this chunk and end in the next: keep its length back.
      const safe = reader.buffer.length - (delimiter.length - 1);
      if (safe > 0) {
        this.stream.push(reader.take(safe));
        return;
      }
      if (!(await reader.more())) throw new MultipartMalformed('the form ended inside a part');
    }
  }

  /** Skips whatever of the part the consumer did not read. */
  async skipRest(): Promise<void> {
    if (this.finished) return;
    for await (const _chunk of this.stream) { /* discarded */ }
  }
}

async function readHeaders(reader: ChunkReader): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  for (let n = 0; n <= MAX_HEADER_LINES; n++) {
    const line = await reader.line(MAX_HEADER_LINE);
    if (line === undefined) throw new MultipartMalformed('the form ended inside part headers');
    if (line.length === 0) return headers;
    const text = line.toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) headers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
  }
  throw new MultipartMalformed('too many part headers');
}

export async function* multipartParts(body: Readable, boundary: string): AsyncGenerator<FormPart> {
  const reader = new ChunkReader(body[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>);
  const opening = Buffer.from(`--${boundary}`);
  const first = await reader.line(MAX_HEADER_LINE);
  if (first === undefined || !first.subarray(0, opening.length).equals(opening)) throw new MultipartInvalid('invalid starting boundary');
  if (first.subarray(opening.length, opening.length + 2).toString() === '--') return;
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  for (;;) {
    const headers = await readHeaders(reader);
    const part = new PartBody(reader, delimiter);
    yield { headers, body: part.stream };
    await part.skipRest();
    // After a delimiter: `--` closes the form; anything else is the rest of the boundary line.
    if (!(await reader.atLeast(2)) || reader.buffer.subarray(0, 2).toString() === '--') return;
    if ((await reader.line(MAX_HEADER_LINE)) === undefined) return;
  }
}

/** `type; name="value"; other=value` (Content-Type and Content-Disposition): the type and its parameters. */
export function parseHeaderParams(value: string): { type: string; params: Record<string, string> } {
  const semi = value.indexOf(';');
  const type = (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase();
  const params: Record<string, string> = {};
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  const rest = semi === -1 ? '' : value.slice(semi);
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    const name = (m[1] ?? '').toLowerCase();
    params[name] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '').trim();
  }
  return { type, params };
}
