// The package's entry point, `import { ... } from 'concord'`: the supported library API, the part
// of Concord a project writing, checking or measuring its own executor builds on (README: Using
// Concord as a library). Everything else under `concord/dist/...` is reachable for the projects
// that import it so, but is Concord's inside, and may change shape between versions.
// Invariant: this module only re-exports; importing it starts no worker, reads no file and prints
// nothing.

// The interface every executor implements, and the data it takes and gives.
export type { ExecuteOptions, Executor } from './spec/executor.js';
export {
  DEFAULT_BLOCK_GAS_LIMIT, emptyStats, footprintKeys, PER_TX_COUNTERS,
  type AccessKind, type Block, type BlockResult, type ExecutionStats, type Footprint, type FootprintEntry, type KeyExpr, type PerTxCounter, type Program,
  type ReadSet, type Receipt, type Status, type Transaction,
} from './spec/block.js';
// Building a result: from receipts and read sets, or from outcomes logged in block order (built lazily).
export { blockResult, loggedResult, logOutcome, newOutcomeLog, readSetOf, receiptOf, SKIPPED, type OutcomeLog } from './spec/result.js';
// The VM every executor runs, and the reference executor (the specification).
export { newOutcome, runTransaction, TxStatus, type StateView, type TxOutcome } from './spec/vm.js';
export { executeReference, referenceExecutor } from './spec/reference.js';
// The conflict rules, for a scheduler by declared footprints.
export { deltaHeadroom, ruleFor, type ConflictRule, type Verdict } from './spec/conflicts.js';
// A pre-state workers read through a SharedArrayBuffer.
export { restoreTable, SharedState, tableDisagreement } from './spec/shared-state.js';
// Block files, and the seeded workloads `concord gen` writes.
export { BlockFileError, blockFromJson, parseBlock, writeBlock } from './spec/block-file.js';
export { generate as generateWorkload, WORKLOADS, type WorkloadParams } from './bench/workloads.js';
// The executors: the built-ins by name (or a module path, or exec:COMMAND), and each one's own factory.
export { createExecutor, EXECUTORS, UnknownExecutorError, type ExecutorSettings } from './impl/registry.js';
export { sequentialExecutor } from './impl/sequential.js';
export { BlockStmError, createBlockStmExecutor, type BlockStmOptions } from './impl/blockstm/executor.js';
export { createModularExecutor, ModularError, type ModularOptions } from './impl/modular/executor.js';
// Checking an executor from a test suite (docs/verify.md: In your own test suite).
export {
  DEFAULT_HELPER_RUNS, DEFAULT_HELPER_TIMEOUT_MS, EquivalenceError, ExecutorTimeoutError, verifyExecutor, type Hang, type VerifyExecutorOptions,
} from './properties/vitest.js';
export { BLOCKSTM_COVERAGE, MODULAR_COVERAGE, type CoverageGoal } from './properties/equivalence.js';
export type { CheckReport, ExecutorReport, FailureReport, RunReport } from './properties/runner.js';
