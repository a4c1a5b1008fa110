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

export interface ImageService {
  url: string;
  configFile: string;
  /** Everything it printed so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * `swiftlet images serve` on a free port, in front of the Swiftlet at `swiftUrl`, with its config and
 * database named `name` in `dir`; `extraToml` adds `[images]` keys. Resolves once it listens.
 */
export async function startImageService(swiftUrl: string, dir: string, name: string, extraToml = ''): Promise<ImageService> {
  return startImageServiceOn(await freePort(), swiftUrl, dir, name, extraToml);
}

async function startImageServiceOn(port: number, swiftUrl: string, dir: string, name: string, extraToml: string): Promise<ImageService> {
  const configFile = join(dir, `${name}.toml`);
  writeFileSync(configFile, `[images]
host = "127.0.0.1"
port = ${port}
database = "${join(dir, `${name}.db`)}"
swift_url = "${swiftUrl}"
service_user = "glance"
service_password = "glancepw"
service_project = "service"
reader_user = "glance-reader"
reader_password = "readerpw"
reader_project = "service"
${extraToml}`);
  let out = '';
  const child: ChildProcess = spawn(process.execPath, [CLI, 'images', 'serve', '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`image service did not start:\n${out}`)), 30_000);
      child.stdout?.on('data', () => { if (out.includes('image service listening')) { clearTimeout(timer); resolve(); } });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`image service exited ${code}:\n${out}`)); });
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${port}`, configFile, output: () => out, stop };
}

/** `maxFileSize`: Swift's object size limit; larger images are stored in segments. */
export async function startImageStack(maxFileSize: number): Promise<ImageStack> {
  // The image service's URL goes into Swiftlet's catalog, so its port is chosen first.
  const imagePort = await freePort();
  const imagesUrl = `http://127.0.0.1:${imagePort}`;
  const swift = await startServer({
    extraToml: `[auth]\nSERVICE_reader_roles = "image_reader"\n[swift]\nmax_file_size = ${maxFileSize}\n[images]\npublic_url = "${imagesUrl}"\n`,
    extraUsersToml: SERVICE_USERS_TOML,
  });
  const workDir = mkdtempSync(join(tmpdir(), 'swiftlet-images-'));
  const stopSwift = async () => {
    await swift.stop();
    rmSync(workDir, { recursive: true, force: true });
  };
  let images: ImageService;
  try {
    images = await startImageServiceOn(imagePort, swift.url, workDir, 'images', '');
  } catch (err) {
    await stopSwift();
    throw err;
  }
  return {
    swift, imagesUrl, imagesConfig: images.configFile, workDir, imagesOutput: images.output,
    async stop() { await images.stop(); await stopSwift(); },
  };
}
