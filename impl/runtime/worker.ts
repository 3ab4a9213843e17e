// The entry of every pooled worker thread: loads job modules on request and runs their exported
// job functions, one message at a time. Node 20 cannot start a Worker from TypeScript, so this
// runs from dist/ (compiled by tsc) and imports the compiled job modules by file URL.
// Invariant: every request gets exactly one reply with its id, ok with the job's result or not ok
// with the error's stack; a job that kills the thread (process.exit) is reported by the pool.

import { parentPort } from 'node:worker_threads';

type Request = { id: number; load: string } | { id: number; module: string; fn: string; payload: unknown };

const modules = new Map<string, Promise<Record<string, unknown>>>();

function load(url: string): Promise<Record<string, unknown>> {
  let m = modules.get(url);
  if (!m) {
    m = import(url) as Promise<Record<string, unknown>>;
    modules.set(url, m);
  }
  return m;
}

const port = parentPort;
if (!port) throw new Error('impl/runtime/worker.js must run as a worker thread');

port.on('message', async (req: Request) => {
  try {
    if ('load' in req) {
      await load(req.load);
      port.postMessage({ id: req.id, ok: true, result: null });
      return;
    }
    const fn = (await load(req.module))[req.fn];
    if (typeof fn !== 'function') throw new Error(`${req.module} does not export a function ${req.fn}`);
    port.postMessage({ id: req.id, ok: true, result: await (fn as (payload: unknown) => unknown)(req.payload) });
  } catch (e) {
    port.postMessage({ id: req.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
