/**
 * A child process standing for a node that holds the background-work lease and then dies:
 * acquires the lease on argv[2] with key argv[3], prints "held" and waits to be killed.
 */
import { AdvisoryLease } from '../../src/storage/postgres/lease.js';

const [url, key] = process.argv.slice(2);
const lease = new AdvisoryLease(url ?? '', Number(key));
process.stdout.write(`${(await lease.tryAcquire()) ? 'held' : 'busy'}\n`);
setInterval(() => undefined, 1000);
