// The public Executor interface: what Concord checks and measures. The reference executor, the
// optimized ones and a user's own module all implement it.
// Invariant: execute() never mutates the block, resolves to the complete result of the whole
// block or rejects; it never returns a partially applied state.

import type { Block, BlockResult } from './block.js';

export interface ExecuteOptions {
  /** Worker threads to use; executors without threads ignore it. */
  readonly threads?: number;
}

export interface Executor {
  readonly name: string;
  execute(block: Block, options?: ExecuteOptions): Promise<BlockResult>;
  /** Releases workers and buffers; the executor is unusable afterwards. */
  close(): Promise<void>;
}
