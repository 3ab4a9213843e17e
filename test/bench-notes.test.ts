// What `concord bench` tells at run time that a report would otherwise hide: thread counts past
// the machine's cores, a baseline left unpinned or cores left untimed (no taskset), and the
// machine label a user gives with --label.
import { describe, expect, it } from 'vitest';
import { labelOption, oversubscribedNote, pinningNotes } from '../cli/bench.js';
import { MAX_LABEL } from '../reports/schema.js';
import { UsageError } from '../cli/errors.js';
import { probeCoreSpeeds } from '../bench/core-speeds.js';

describe('thread counts past the effective cores', () => {
  it('are named in a note saying their threads share cores; none within the cores', () => {
    expect(oversubscribedNote([1, 4], 2)).toBe("bench: --threads 4: more threads than this machine's 2 effective cores, so those runs' threads share cores; the report takes their ideal and efficiency at 2");
    expect(oversubscribedNote([1, 2], 2)).toBeNull();
  });
});

describe('pinning and the per-core probe', () => {
  it.runIf(process.platform === 'linux')('say at bench time when taskset is missing, not only in the report', () => {
    const probe = probeCoreSpeeds({ taskset: '/nonexistent/taskset', rounds: 1, reps: 1, txs: 100, roundTrips: 0 });
    expect(pinningNotes([0, 1], false, probe)).toEqual([
      'bench: taskset is not installed (util-linux): the baseline is not pinned and core speeds are not measured; unequal cores would go unnoticed',
    ]);
  });

  it('say why the probe could not run, and when pinning alone failed', () => {
    expect(pinningNotes('no /proc/self/status on darwin', false, { unavailable: 'per-core timing needs Linux\'s taskset; this is darwin' })).toEqual([
      'bench: core speeds could not be measured (per-core timing needs Linux\'s taskset; this is darwin): the baseline is not pinned and core speeds are not measured; unequal cores would go unnoticed',
    ]);
    const speeds = { speeds: { method: 'taskset' as const, workload: 'w', cpus: [0, 1], medianMs: [1, 1], relative: [1, 1] } };
    expect(pinningNotes([0, 1], false, speeds)).toEqual([expect.stringMatching(/^bench: taskset could not pin the baseline's thread/)]);
    expect(pinningNotes([0, 1], true, speeds)).toEqual([]);
    expect(pinningNotes([0], false, speeds)).toEqual([]);
  });
});

describe('--label', () => {
  it('takes one trimmed line up to MAX_LABEL characters', () => {
    expect(labelOption('  box A  ')).toBe('box A');
    expect(labelOption('x'.repeat(MAX_LABEL))).toBe('x'.repeat(MAX_LABEL));
  });

  it('refuses a blank, multi-line or overlong name as a usage error', () => {
    for (const bad of ['', '   ', 'a\nb', 'tab\there', 'a\u2028b', 'box \u202eA', 'x'.repeat(MAX_LABEL + 1)]) expect(() => labelOption(bad)).toThrow(UsageError);
    expect(() => labelOption('a\nb')).toThrow(/^--label: character 2 is U\+000A, a control character or line break; /);
    expect(() => labelOption('box \u202eA')).toThrow(/^--label: character 5 is U\+202E, a bidi control character/);
  });
});
