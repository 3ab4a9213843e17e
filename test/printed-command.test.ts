// The prefix of a printed rerun or replay names the program running and no other: from the offline
// archive its launcher (a server there may have neither npm nor Node on PATH), and elsewhere a bare
// `node` only where the PATH's node is the one running, the running Node's own path where not.
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandFor, type Running } from '../properties/printed-command.js';

describe('the printed command prefix', () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'concord-prefix-')));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** An executable file at `path`, standing for a Node binary. */
  const binary = (path: string): string => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, '#!/bin/sh\n');
    chmodSync(path, 0o755);
    return path;
  };
  /** A package folder as the archive unpacks it (with its launcher) or as a clone or install has it. */
  const packageAt = (root: string, archive: boolean): string => {
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(root, 'dist', 'cli', 'concord.js'), '');
    writeFileSync(join(root, 'package.json'), '{ "name": "concord", "bin": { "concord": "dist/cli/concord.js" } }\n');
    if (archive) binary(join(root, 'bin', 'concord'));
    return join(root, 'dist', 'cli', 'concord.js');
  };
  const running = binary(join(dir, 'my node', 'node'));
  const pathWith = (node: string): string => {
    const bin = mkdtempSync(join(dir, 'path-'));
    symlinkSync(node, join(bin, 'node'));
    return `${join(dir, 'empty')}:${bin}`;
  };
  const noNode = join(dir, 'empty');

  it('from the archive, name its launcher where it starts the Node running, even from the package folder npx would serve', () => {
    const root = join(dir, 'archive', 'concord');
    const cli = packageAt(root, true);
    symlinkSync(running, join(root, 'bin', 'node'));
    const at: Running = { root, execPath: running, path: noNode };
    expect(commandFor(cli, dir, at)).toBe(join(root, 'bin', 'concord'));
    expect(commandFor(cli, root, at)).toBe(join(root, 'bin', 'concord'));
  });

  it('from an archive packed without Node, name the launcher where the PATH\'s node runs, the running Node where none is on PATH', () => {
    const root = join(dir, 'archive-no-node', 'concord');
    const cli = packageAt(root, true);
    expect(commandFor(cli, dir, { root, execPath: running, path: pathWith(running) })).toBe(join(root, 'bin', 'concord'));
    expect(commandFor(cli, dir, { root, execPath: running, path: noNode })).toBe(`'${running}' ${cli}`);
  });

  it('from an archive whose packed Node is not the one running, never name the launcher, which may start the packed one', () => {
    const root = join(dir, 'archive-other', 'concord');
    const cli = packageAt(root, true);
    binary(join(root, 'bin', 'node'));
    expect(commandFor(cli, dir, { root, execPath: running, path: pathWith(running) })).toBe(`node ${cli}`);
    expect(commandFor(cli, dir, { root, execPath: running, path: noNode })).toBe(`'${running}' ${cli}`);
  });

  it('outside the archive and any project, name node only where the PATH\'s node is the one running', () => {
    const root = join(dir, 'install', 'concord');
    const cli = packageAt(root, false);
    const outside = mkdtempSync(join(dir, 'outside-'));
    expect(commandFor(cli, outside, { root, execPath: running, path: pathWith(running) })).toBe(`node ${cli}`);
    expect(commandFor(cli, outside, { root, execPath: running, path: pathWith(binary(join(dir, 'old', 'node'))) })).toBe(`'${running}' ${cli}`);
    expect(commandFor(cli, outside, { root, execPath: running, path: noNode })).toBe(`'${running}' ${cli}`);
    // README's way where npx finds this Concord, whichever Node runs.
    expect(commandFor(cli, root, { root, execPath: running, path: noNode })).toBe('npx concord');
  });
});
