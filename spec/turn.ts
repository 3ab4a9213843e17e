// A turn of the event loop, taken where the last was more than TURN_MS ago. A loop awaiting calls
// that settle at once (a synchronous executor, the simulated runtime, the symbolic VM between
// solver calls) stays in microtasks for as long as it runs: timers (a progress bar's redraw) and
// signal listeners (Ctrl-C, which the bar and exec: engines listen for) wait for a turn that never
// comes. Loops like that take one now and then, between the calls they time.

const TURN_MS = 50;
let lastTurn = 0;

export async function takeTurn(): Promise<void> {
  if (performance.now() - lastTurn <= TURN_MS) return;
  await new Promise((resolve) => setImmediate(resolve));
  lastTurn = performance.now();
}
