// `concord request BLOCK --check ANSWER`: an engine's answer to the request `concord request`
// prints for a block, kept in a file or piped in (`./engine < request.jsonl | concord request
// BLOCK --check -`), judged as a live engine's answer is: read by the protocol's one reader of
// answers (impl/exec-executor.ts readAnswer), so a line is refused with the words `run` or
// `verify` would use, its writes laid over the block's pre-state, and the result compared in full
// with the reference's, the first difference explained as verify explains it. So an engine team
// runs Concord's failing blocks in its own test suite and gets Concord's verdict, where a diff
// with `--answer`'s line differs on every correct answer (the stats, unchanged keys in writes).
// Invariant: exit 0 only for exactly one line, a well-formed answer to request 1 (the id the
// printed request carries) whose result is the reference's; exit 1 for anything else the engine
// wrote (a difference, a refused line, an error answer, no answer, a line after it), naming the
// file and line; exit 2 for the command's own input (an answer file that cannot be read).

import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { Block } from '../spec/block.js';
import { executeReference } from '../spec/reference.js';
import { describeValue } from '../spec/messages.js';
import { AnswerRefused, answerSubject, MAX_LINE_BYTES, readAnswer, type AnswerRead } from '../impl/exec-executor.js';
import { differsText, explain, SAME_AS_REFERENCE } from '../properties/explain.js';
import { EXIT, ExecutorFailure } from './errors.js';
import { readInputFile, readStdin, STDIN_LABEL, writeStdout } from './output.js';

/** The id of the one request `concord request` prints, which the answer must repeat. */
export const REQUEST_ID = 1;

/**
 * The first line of `bytes` (counted from 1, split as linesOf splits) longer than `limit` bytes,
 * by default the most a live engine may write, or undefined: readline would make it one string, and a string of 512 MiB crashes Node.
 */
export function overlongLine(bytes: Buffer, limit = MAX_LINE_BYTES): number | undefined {
  let line = 1;
  let start = 0;
  // The next of each line end at or after `start`, searched again only once passed: one pass over the bytes.
  const next = (byte: number): number => {
    const i = bytes.indexOf(byte, start);
    return i < 0 ? bytes.length : i;
  };
  let lf = -1;
  let cr = -1;
  while (start <= bytes.length) {
    if (lf < start) lf = next(0x0a);
    if (cr < start) cr = next(0x0d);
    const end = Math.min(lf, cr);
    if (end - start > limit) return line;
    start = end + (bytes[end] === 0x0d && bytes[end + 1] === 0x0a ? 2 : 1);
    line++;
  }
  return undefined;
}

/** The lines of `bytes` as a live engine's output is split (readline: \n, \r\n or \r ends a line; a last line needs none). */
async function linesOf(bytes: Buffer): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: Readable.from([bytes]), crlfDelay: Infinity })) lines.push(line);
  return lines;
}

/**
 * Judges the answer in `file` (`-`: standard input) to request 1 for `block` (`label`: how the
 * command names it) against the reference; prints the verdict (`json`: as one object) and returns
 * the exit code. A line that is no answer throws an ExecutorFailure naming the file and line.
 */
export async function checkAnswer(block: Block, label: string, file: string, json: boolean): Promise<number> {
  const where = file === '-' ? STDIN_LABEL : file;
  const bytes = file === '-' ? await readStdin('an engine\'s answer', `./engine < request.jsonl | concord request ${label} --check -`) : await readInputFile(file);
  const about = answerSubject(REQUEST_ID, block);
  const facts = { block: label, answer: where, request: REQUEST_ID };
  const refuse = (line: number, message: string) => new ExecutorFailure(`${where} line ${line}: ${message}`, json ? { ...facts, line } : undefined);
  const overlong = overlongLine(bytes);
  if (overlong !== undefined) throw refuse(overlong, `a line of more than ${MAX_LINE_BYTES / 2 ** 20} MiB, which Concord refuses from a live engine too (a line is at most ${MAX_LINE_BYTES / 2 ** 20} MiB)`);
  const lines = await linesOf(bytes);
  if (lines.length === 0) {
    throw new ExecutorFailure(`${where}: no answer: ${file === '-' ? 'standard input is' : 'the file is'} empty, where ${about} was expected (one JSON line)`, json ? facts : undefined);
  }
  let read: AnswerRead;
  try {
    read = readAnswer(lines[0]!, REQUEST_ID, block);
  } catch (e) {
    if (e instanceof AnswerRefused) throw refuse(1, e.message);
    throw e;
  }
  if ('error' in read) throw refuse(1, read.error);
  // As a live engine's line after its last answer fails the command: one request, one answer.
  if (lines.length > 1) throw refuse(2, `a line after ${about}, the one request (answers only, one a request; write logs to standard error): ${describeValue(lines[1])}`);
  const difference = explain(block, executeReference(block), read.result);
  const subject = `${where}, ${about} for ${label}`;
  if (json) {
    writeStdout(`${JSON.stringify({ ok: difference === undefined, same: difference === undefined, ...facts, ...(difference ? { difference } : {}) })}\n`);
  } else {
    writeStdout(difference === undefined
      ? `${SAME_AS_REFERENCE}: ${subject}\n`
      : `${differsText(`: ${subject}`, difference)}\n`);
  }
  return difference === undefined ? EXIT.OK : EXIT.FAILED;
}
