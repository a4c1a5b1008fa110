/**
 * A worker thread started when first needed (a message or a hold) and started again after it is
 * lost, which keeps the process alive only while work is in flight on it. The listing, MD5, password,
 * checkpoint and WAL flush threads are all this; each keeps its own record of the requests in flight
 * and fails them when told the thread was lost.
 */
import { Worker, type TransferListItem, type WorkerOptions } from 'node:worker_threads';

export interface ThreadEvents<Reply> {
  message(reply: Reply): void;
  /** The thread died: the work it held is gone with it (the next message starts a new thread). */
  lost(err: Error): void;
}

export class OnDemandThread<Request, Reply> {
  private worker?: Worker;
  private held = 0;

  /** `name` says which thread in errors ("listing thread exited (code 1)"). */
  constructor(
    private readonly name: string,
    private readonly url: URL,
    private readonly events: ThreadEvents<Reply>,
    private readonly options: WorkerOptions = {},
  ) {}

  post(request: Request, transfer: readonly TransferListItem[] = []): void {
    this.started().postMessage(request, transfer);
  }

  /** One more piece of work in flight: the process stays alive until it is released. */
  hold(): void {
    if (this.held++ === 0) this.started().ref();
  }

  release(): void {
    if (this.held > 0 && --this.held === 0) this.worker?.unref();
  }

  async terminate(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.held = 0;
    if (worker) await worker.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.url, this.options);
    worker.unref();
    worker.on('message', (reply: Reply) => this.events.message(reply));
    worker.on('error', (err) => this.lose(worker, err));
    worker.on('exit', (code) => this.lose(worker, new Error(`${this.name} exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private lose(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.held = 0;
    this.events.lost(err);
  }
}
