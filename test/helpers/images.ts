/**
 * A Swiftlet with the image service beside it, as an operator would run them: the `glance` service
 * user (role `service`) and an audit reader (role `image_reader`, a SERVICE_ reader role), an
 * `image` catalog entry pointing at the image service, and `swiftlet images serve` started from its
 * own config file in a scratch directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, freePort, startServer, type TestServer } from './server.js';

export interface ImageStack {
  swift: TestServer;
  /** The image service's base URL (also its catalog entry). */
  imagesUrl: string;
  /** The image service's config file, for `swiftlet images audit --config`. */
  imagesConfig: string;
  /** A scratch directory removed by stop(). */
  workDir: string;
  /** Everything the image service printed so far, for failure messages. */
  imagesOutput(): string;
  stop(): Promise<void>;
}

const SERVICE_USERS_TOML = `
[[identity.users]]
project = "service"
name = "glance"
password = "glancepw"
roles = ["service"]

[[identity.users]]
project = "service"
name = "glance-reader"
password = "readerpw"
roles = ["image_reader"]
`;

/** `maxFileSize`: Swift's object size limit; larger images are stored in segments. */
export async function startImageStack(maxFileSize: number): Promise<ImageStack> {
  const imagePort = await freePort();
  const imagesUrl = `http://127.0.0.1:${imagePort}`;
  const swift = await startServer({
    extraToml: `[auth]\nSERVICE_reader_roles = "image_reader"\n[swift]\nmax_file_size = ${maxFileSize}\n[images]\npublic_url = "${imagesUrl}"\n`,
    extraUsersToml: SERVICE_USERS_TOML,
  });
  const workDir = mkdtempSync(join(tmpdir(), 'swiftlet-images-'));
  const imagesConfig = join(workDir, 'images.toml');
  writeFileSync(imagesConfig, `[images]
host = "127.0.0.1"
port = ${imagePort}
database = "${join(workDir, 'images.db')}"
swift_url = "${swift.url}"
service_user = "glance"
service_password = "glancepw"
service_project = "service"
reader_user = "glance-reader"
reader_password = "readerpw"
reader_project = "service"
`);
  let out = '';
  const images: ChildProcess = spawn(process.execPath, [CLI, 'images', 'serve', '--config', imagesConfig], { stdio: ['ignore', 'pipe', 'pipe'] });
  images.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  images.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const stop = async () => {
    if (images.exitCode === null && images.signalCode === null) {
      const exited = new Promise((r) => images.once('exit', r));
      images.kill('SIGTERM');
      await exited;
    }
    await swift.stop();
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`image service did not start:\n${out}`)), 30_000);
      images.stdout?.on('data', () => { if (out.includes('image service listening')) { clearTimeout(timer); resolve(); } });
      images.once('exit', (code) => { clearTimeout(timer); reject(new Error(`image service exited ${code}:\n${out}`)); });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { swift, imagesUrl, imagesConfig, workDir, imagesOutput: () => out, stop };
}
