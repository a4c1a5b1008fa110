/**
 * The metrics listener (`[metrics] listen`): `GET /metrics` in Prometheus' text format, on its own
 * address, apart from the object API.
 *
 * With several worker processes each worker counts its own requests; the primary, which serves
 * /metrics, asks every worker for its figures over the cluster IPC channel at each scrape and adds
 * them up with prom-client's AggregatorRegistry.aggregate (counters and histograms summed; the
 * Node.js defaults as prom-client aggregates them), together with its own (store gauges, its own
 * commits and process figures). A worker that does not answer within a few seconds is left out of
 * that scrape rather than failing it.
 */
import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server } from 'node:http';
import { AggregatorRegistry, type Registry } from 'prom-client';

const ASK = 'swiftlet:metrics?';
const ANSWER = 'swiftlet:metrics!';
const WORKER_TIMEOUT_MS = 3000;

interface Ask { type: typeof ASK; id: number }
interface Answer { type: typeof ANSWER; id: number; metrics: object[] }

function isAsk(m: unknown): m is Ask {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === ASK;
}
function isAnswer(m: unknown): m is Answer {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === ANSWER;
}

/** In a worker: answers the primary's requests for this process' figures. */
export function answerMetricsRequests(registry: Registry): void {
  process.on('message', (m: unknown) => {
    if (!isAsk(m)) return;
    void registry.getMetricsAsJSON().then(
      (metrics) => process.send?.({ type: ANSWER, id: m.id, metrics }),
      () => process.send?.({ type: ANSWER, id: m.id, metrics: [] }),
    );
  });
}

let nextId = 0;

/** In the primary: every live worker's figures (as getMetricsAsJSON arrays), those that answer in time. */
function askWorkers(): Promise<object[][]> {
  const id = nextId++;
  const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
  if (workers.length === 0) return Promise.resolve([]);
  return new Promise((resolve) => {
    const answers: object[][] = [];
    const finish = () => {
      clearTimeout(timer);
      cluster.off('message', onMessage);
      resolve(answers);
    };
    const onMessage = (_worker: Worker, m: unknown) => {
      if (!isAnswer(m) || m.id !== id) return;
      answers.push(m.metrics);
      if (answers.length === workers.length) finish();
    };
    const timer = setTimeout(finish, WORKER_TIMEOUT_MS);
    cluster.on('message', onMessage);
    for (const w of workers) w.send({ type: ASK, id });
  });
}

/** The text a scrape gets: this process' registry, plus the workers' when `withWorkers`. */
export function metricsText(own: Registry, withWorkers: boolean): () => Promise<string> {
  if (!withWorkers) return () => own.metrics();
  return async () => {
    const [workers, mine] = await Promise.all([askWorkers(), own.getMetricsAsJSON()]);
    return AggregatorRegistry.aggregate([...workers, mine]).metrics();
  };
}

export async function serveMetrics(host: string, port: number, text: () => Promise<string>, contentType: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': '0' }).end();
      return;
    }
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': '10' }).end('Not Found\n');
      return;
    }
    text().then(
      (body) => {
        res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)) });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        console.error('metrics: scrape failed:', err);
        res.writeHead(500, { 'Content-Type': 'text/plain', 'Content-Length': '14' }).end('scrape failed\n');
      },
    );
  });
  await new Promise<void>((ready, failed) => {
    server.once('error', failed);
    server.listen(port, host, () => ready());
  });
  return server;
}
