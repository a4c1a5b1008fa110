/**
 * The access log (`[logging]`): one line per client request, as Swift's proxy-logging writes it,
 * and one per sub-request a middleware makes (an SLO segment, a copy's source read, a bulk delete's
 * item), marked with Swift's `source` and carrying the client request's transaction id, so a
 * request's parts are found by that id and a tool summing bandwidth skips lines with a source, as
 * with Swift's logs.
 */
import type { LoggingConfig } from '../config/schema.js';
import type { FinishedRequest, RequestObserver } from './finished-request.js';
import { jsonLine, logFields, swiftLine } from './log-line.js';
import { LogSink } from './log-sink.js';

export class AccessLog {
  private readonly format: (input: FinishedRequest) => string;

  constructor(private readonly sink: LogSink, config: LoggingConfig) {
    const withHeaders = config.access_log_headers;
    this.format = config.access_log_format === 'json'
      ? (input) => jsonLine(logFields(input, withHeaders))
      : (input) => swiftLine(logFields(input, withHeaders));
  }

  /** The log the configuration asks for; undefined when it is off. */
  static open(config: LoggingConfig): AccessLog | undefined {
    if (config.access_log === 'off') return undefined;
    return new AccessLog(new LogSink(config.access_log === 'stdout' ? undefined : config.access_log), config);
  }

  readonly client: RequestObserver = (done: FinishedRequest) => this.write(done);

  /** A sub-request's line (see subrequests.ts). */
  subrequest(input: FinishedRequest): void {
    this.write(input);
  }

  /** After logrotate renamed the file. */
  reopen(): void {
    this.sink.reopen();
  }

  private write(input: FinishedRequest): void {
    try {
      this.sink.line(this.format(input));
    } catch (err) {
      // A line that cannot be made must never fail the request it describes.
      console.error(`access log: cannot log ${input.ctx.transId}:`, err);
    }
  }
}
