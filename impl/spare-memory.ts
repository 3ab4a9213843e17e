// Memory that released results handed back to the executor that built them (BlockResult.release),
// kept for later blocks instead of faulting in fresh pages (11-12 us per 4 KiB page on the Zen 5
// VM, impl/blockstm/README.md, forty-second session).
// Invariant: an item is on a shelf only once every result that held it has been released (and so
// throws on every read of it), and a take gives it to one block alone (an executor runs one block
// at a time). At most `room` items are kept, so a caller that releases many results at once does
// not pin all their memory for the executor's life.

export class SpareShelf<T> {
  private readonly items: T[] = [];

  constructor(private readonly room: number) {}

  give(item: T): void {
    if (this.items.length < this.room) this.items.push(item);
  }

  /** The item given back last (its pages the likeliest to be in cache), or undefined. */
  take(): T | undefined {
    return this.items.pop();
  }
}

/** Room for `needed`: a quarter more, so a slightly larger next block still fits (pages never written cost nothing). */
const withHeadroom = (needed: number): number => needed + (needed >> 2);

/** `spare` (memory handed back) where it holds `bytes`, else a new buffer with headroom. */
export function sharedBufferFor(bytes: number, spare: SharedArrayBuffer | null | undefined): SharedArrayBuffer {
  return spare != null && spare.byteLength >= bytes ? spare : new SharedArrayBuffer(withHeadroom(bytes));
}

/** `spare` (an array handed back) where it holds `length` doubles, else a new array with headroom. */
export function float64sFor(length: number, spare: Float64Array | undefined): Float64Array {
  return spare !== undefined && spare.length >= length ? spare : new Float64Array(withHeadroom(length));
}
