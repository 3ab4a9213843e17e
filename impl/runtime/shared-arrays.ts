// The pair of shared arrays a pooled executor lays a block out in (one of Int32 cells, one of
// Float64 cells), kept from block to block: pages a worker touched once stay mapped, where fresh
// SharedArrayBuffers would make every block pay the kernel's page faults again (about 13 µs per
// 4 KiB page on the VMs measured). They only grow, with a quarter of slack so blocks of similar
// size reuse them.
// Invariant: after fit(), each array holds at least the cells asked for, and the slack never
// takes the two arrays past maxBytes (the caller checks that the cells themselves fit).

export class SharedArrays {
  i32 = new Int32Array(new SharedArrayBuffer(4));
  f64 = new Float64Array(new SharedArrayBuffer(8));

  fit(i32Cells: number, f64Cells: number, maxBytes = Infinity): void {
    // Each array may take half the bytes the limit leaves beyond what is needed.
    const room = Math.max(0, maxBytes - 4 * i32Cells - 8 * f64Cells) / 2;
    const withSlack = (cells: number, bytesPerCell: number): number => cells + Math.min(Math.ceil(cells / 4), Math.floor(room / bytesPerCell));
    if (this.i32.length < i32Cells) this.i32 = new Int32Array(new SharedArrayBuffer(4 * withSlack(i32Cells, 4)));
    if (this.f64.length < f64Cells) this.f64 = new Float64Array(new SharedArrayBuffer(8 * withSlack(f64Cells, 8)));
  }
}
