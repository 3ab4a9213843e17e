// Node's own two-line warning for a .js file of ES module syntax that it loads as CommonJS
// ("To load an ES module, set "type": "module" in the package.json or use the .mjs extension." on
// Node 20; "Failed to load the ES module: FILE. Make sure to set "type": "module" ..." on 22 and 24),
// which it prints on stderr before the load fails: Concord's one-line error says the same in its
// hint (impl/registry.ts loadHint), and README promises one line. So the process's warnings are
// held while a user's module loads, and passed on once the load is judged.
// Invariant: only that warning is dropped, and only where a load in flight with it failed with the
// error it foretells; every other warning reaches the process's listeners (Node's printer among
// them) as it would have, and the listeners are back as they were once no load is in flight.

const ESM_AS_COMMONJS = /^(To load an ES module, set "type": "module"|Failed to load the ES module: .*Make sure to set "type": "module")/s;

type Listener = (warning: Error) => void;

let inFlight = 0;
let held: Error[] = [];
let foretoldFailure = false;
let listeners: Listener[] = [];

function hold(warning: Error): void {
  held.push(warning);
}

/**
 * `load()`, with Node's warnings held until it settles; where it fails and `foretold` says the
 * failure is ESM syntax read as CommonJS, Node's warning of it is dropped.
 */
export async function loadHoldingWarnings<T>(load: () => Promise<T>, foretold: (e: unknown) => boolean): Promise<T> {
  if (inFlight++ === 0) {
    listeners = process.listeners('warning') as Listener[];
    process.removeAllListeners('warning');
    process.on('warning', hold);
  }
  try {
    return await load();
  } catch (e) {
    if (foretold(e)) foretoldFailure = true;
    throw e;
  } finally {
    // Node emits a warning on a tick after the one that raised it: one turn of the event loop lets it arrive.
    await new Promise((resolve) => setImmediate(resolve));
    if (--inFlight === 0) release();
  }
}

function release(): void {
  process.removeListener('warning', hold);
  // Ahead of any a module added as it loaded, in their old order.
  for (const l of [...listeners].reverse()) process.prependListener('warning', l);
  const passed = held.filter((w) => !(foretoldFailure && ESM_AS_COMMONJS.test(w.message)));
  held = [];
  foretoldFailure = false;
  listeners = [];
  for (const w of passed) process.emit('warning', w);
}
