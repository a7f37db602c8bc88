// Starts a real Evently server for one test file: fresh data directory, random free port,
// demo data seeded, `/health` green before the tests see the URL.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const END2END = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HEALTH_TIMEOUT_MS = 30_000;
const SEED_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const BUILD_HINT =
  'Build the server and the site first, then run the suite as described in end2end/README.md ' +
  '("Running": cargo build -p server && scripts/build-site.sh, then cd end2end && npm ci && npm test).';

/** Absolute path of the server binary: `EVENTLY_BIN`, default `../target/debug/server`. */
export function serverBinary() {
  return path.resolve(END2END, process.env.EVENTLY_BIN || '../target/debug/server');
}

/** Absolute path of the built site: `EVENTLY_SITE_ROOT`, default `../target/site`. */
export function siteRoot() {
  return path.resolve(END2END, process.env.EVENTLY_SITE_ROOT || '../target/site');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Keeps the last `limit` characters a stream wrote, for error messages. */
function tail(stream, limit = 20_000) {
  const buf = { text: '' };
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buf.text = (buf.text + chunk).slice(-limit);
  });
  return buf;
}

function waitForExit(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function runSeed(bin, env) {
  const child = spawn(bin, ['seed-demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = tail(child.stdout);
  const err = tail(child.stderr);
  const spawnError = new Promise((_, reject) => child.once('error', reject));
  const timer = setTimeout(() => child.kill('SIGKILL'), SEED_TIMEOUT_MS);
  try {
    const { code, signal } = await Promise.race([waitForExit(child), spawnError]);
    if (code !== 0) {
      throw new Error(
        `\`${bin} seed-demo\` failed (exit ${code}${signal ? `, signal ${signal}` : ''}).\n` +
          `--- stdout ---\n${out.text}\n--- stderr ---\n${err.text}`,
      );
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Seeds a fresh database and serves it.
 * @returns {Promise<{ url: string, dataDir: string, stop: () => Promise<void>, logs: () => string }>}
 */
export async function startServer(extraEnv = {}) {
  const bin = serverBinary();
  const site = siteRoot();
  if (!existsSync(bin)) {
    throw new Error(`Evently server binary not found at ${bin} (set EVENTLY_BIN to override). ${BUILD_HINT}`);
  }
  // The build names the bundle by its content hash and lists the hashes in hash.txt.
  const hashes = path.join(site, 'hash.txt');
  const wasmHash = existsSync(hashes) ? /^wasm:\s*(\S+)/m.exec(readFileSync(hashes, 'utf8'))?.[1] : undefined;
  const wasm = path.join(site, 'pkg', `evently.${wasmHash ?? '<hash>'}.wasm`);
  if (!wasmHash || !existsSync(wasm)) {
    throw new Error(
      `Browser bundle not found at ${wasm} (site root ${site}; set EVENTLY_SITE_ROOT to override). ${BUILD_HINT}`,
    );
  }

  const dataDir = await mkdtemp(path.join(tmpdir(), 'evently-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    EVENTLY_DATA_DIR: dataDir,
    EVENTLY_ADDR: `127.0.0.1:${port}`,
    EVENTLY_SITE_ROOT: site,
    ...extraEnv,
  };

  try {
    await runSeed(bin, env);
  } catch (e) {
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }

  const child = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = tail(child.stdout);
  const err = tail(child.stderr);
  let spawnError = null;
  child.once('error', (e) => {
    spawnError = e;
  });
  // If the test process dies without calling stop(), do not leave a server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const logs = () => `--- server stdout ---\n${out.text}\n--- server stderr ---\n${err.text}`;

  let stopped = null;
  const stop = () => {
    stopped ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        let timer;
        const timedOut = new Promise((resolve) => {
          timer = setTimeout(() => resolve(null), STOP_TIMEOUT_MS);
        });
        const exited = await Promise.race([waitForExit(child), timedOut]);
        clearTimeout(timer); // a pending timer would keep the test process alive
        if (exited === null) {
          child.kill('SIGKILL');
          await waitForExit(child);
        }
      }
      await rm(dataDir, { recursive: true, force: true });
    })();
    return stopped;
  };

  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let lastProblem = 'no attempt yet';
  for (;;) {
    if (spawnError) {
      await stop();
      throw new Error(`Could not start \`${bin} serve\`: ${spawnError.message}\n${logs()}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      const code = child.exitCode;
      const signal = child.signalCode;
      await stop();
      throw new Error(`\`${bin} serve\` exited early (exit ${code}, signal ${signal}).\n${logs()}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) {
        await res.json(); // must be JSON
        break;
      }
      lastProblem = `GET /health returned ${res.status}: ${(await res.text()).slice(0, 500)}`;
    } catch (e) {
      lastProblem = `GET /health failed: ${e.cause?.code ?? e.message}`;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `Evently did not become healthy at ${url} within ${HEALTH_TIMEOUT_MS / 1000}s (${lastProblem}).\n${logs()}`,
      );
    }
    await delay(200);
  }

  return { url, dataDir, stop, logs };
}
