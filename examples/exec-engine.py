#!/usr/bin/env python3
# An engine in another language, speaking concord-exec/1 (docs/exec-protocol.md) on its standard
# input and output: Concord's VM (spec/vm.ts, docs/block-format.md) ported to plain Python 3, with
# the standard library only, running each block's transactions one after another in block order.
# It is what a team whose engine is not in JavaScript writes first, before any parallel path:
# `npx concord verify --executor 'exec:python3 examples/exec-engine.py'` passes on it.
# Invariant: one answer line per request line, in order, with the request's id (an "error" answer
# for a block it cannot run); nothing else on standard output (logs go to standard error); exit 0
# when standard input ends. Results equal the reference executor's: state, receipts, reads.

import hashlib
import json
import sys
import time

MAX = 2**53 - 1  # values are integers in [-MAX, MAX]; a result outside reverts with code -1
KEYS = 2**32  # keys are integers in [0, KEYS); another reverts with code -3
MAX_HASH = 1_000_000
# Gas per opcode, charged before the instruction runs; hash costs 5 + 30n.
GAS = [1, 1, 1, 20, 40, 40, 2, 2, 3, 4, 4, 2, 3, 2, 2, 2, 1, 1, 2, 1, 5, 5]
(STOP, CONST, MOV, READ, WRITE, DELTA, ADD, SUB, MUL, DIV, MOD, ADDI, MULI,
 LT, LE, EQ, NOT, JUMP, JUMPI, REVERT, EMIT, HASH) = range(22)


class Fault(Exception):
    """A VM fault or revert: the transaction ends `reverted` with this code."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


class OutOfGas(Exception):
    pass


def checked(x):
    if x > MAX or x < -MAX:
        raise Fault(-1)
    return x


def key_of(k):
    if k < 0 or k >= KEYS:
        raise Fault(-3)
    return k


def tdiv(a, b):
    """Division truncating toward zero, as JavaScript's Math.trunc(a / b) on safe integers."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def hash_of(x, n):
    """sha256 n times: the first over x as 8-byte little-endian two's complement, each later one over
    the 32-byte digest before it; the value is the digest's first 7 bytes, big-endian, less their top 3
    bits (digest bits 3 to 55, so >= 0; not "the first 53 bits")."""
    d = x.to_bytes(8, 'little', signed=True)
    for _ in range(n):
        d = hashlib.sha256(d).digest()
    return int.from_bytes(d[:7], 'big') & MAX


# Operand kinds per opcode (r register, i immediate, t jump target), as in spec/bytecode.ts.
KINDS = ['', 'ri', 'rr', 'rr', 'rr', 'rrii', 'rrr', 'rrr', 'rrr', 'rrr', 'rrr', 'rri', 'rri',
         'rrr', 'rrr', 'rrr', 'rr', 't', 'rt', 'i', 'r', 'rri']


def decode(code):
    """The program's instructions as tuples (opcode, a, b, c, d); ValueError for code that no
    assembled program holds (Concord's VM assumes it never sees such code)."""
    if len(code) % 5 or any(type(v) is not int for v in code):
        raise ValueError('code must be whole instructions of 5 integers')
    n = len(code) // 5
    out = []
    for pc in range(n):
        ins = tuple(code[pc * 5:pc * 5 + 5])
        if not 0 <= ins[0] <= HASH:
            raise ValueError(f'unknown opcode {ins[0]} at instruction {pc}')
        for kind, v in zip(KINDS[ins[0]], ins[1:]):
            if (kind == 'r' and not 0 <= v < 16) or (kind == 't' and not 0 <= v <= n) \
                    or (kind == 'i' and not -MAX <= v <= MAX):
                raise ValueError(f'bad operand {v} at instruction {pc}')
        if ins[0] == HASH and not 1 <= ins[3] <= MAX_HASH:
            raise ValueError(f'hash iterations {ins[3]} outside [1, {MAX_HASH}] at instruction {pc}')
        out.append(ins)
    return out


def run_tx(ins, args, gas_limit, state):
    """One transaction over `state` (a dict; absent keys hold 0). Returns the receipt, its reads
    ([key, value], first read per key of a key it had not written itself) and its writes, which the
    caller applies only on success."""
    regs = (list(args) + [0] * 16)[:16]
    own = {}  # the transaction's writes so far (write and delta), key -> value
    reads, seen, outputs = [], set(), []
    gas, pc, n = 0, 0, len(ins)

    def value(k):
        if k in own:
            return own[k]
        v = state.get(k, 0)
        if k not in seen:
            seen.add(k)
            reads.append([k, v])
        return v

    try:
        while pc < n:
            op, a, b, c, d = ins[pc]
            cost = GAS[op] + (30 * c if op == HASH else 0)
            if gas + cost > gas_limit:
                raise OutOfGas()
            gas += cost
            pc += 1
            if op == STOP:
                break
            elif op == CONST:
                regs[a] = b
            elif op == MOV:
                regs[a] = regs[b]
            elif op == READ:
                regs[a] = value(key_of(regs[b]))
            elif op == WRITE:
                own[key_of(regs[a])] = regs[b]
            elif op == DELTA:
                k = key_of(regs[a])
                base = own[k] if k in own else state.get(k, 0)  # not a read
                v = checked(base + regs[b])
                if v < c or v > d:
                    raise Fault(-4)
                own[k] = v
            elif op == ADD:
                regs[a] = checked(regs[b] + regs[c])
            elif op == SUB:
                regs[a] = checked(regs[b] - regs[c])
            elif op == MUL:
                regs[a] = checked(regs[b] * regs[c])
            elif op == DIV or op == MOD:
                if regs[c] == 0:
                    raise Fault(-2)
                q = tdiv(regs[b], regs[c])
                regs[a] = q if op == DIV else regs[b] - q * regs[c]
            elif op == ADDI:
                regs[a] = checked(regs[b] + c)
            elif op == MULI:
                regs[a] = checked(regs[b] * c)
            elif op == LT:
                regs[a] = int(regs[b] < regs[c])
            elif op == LE:
                regs[a] = int(regs[b] <= regs[c])
            elif op == EQ:
                regs[a] = int(regs[b] == regs[c])
            elif op == NOT:
                regs[a] = int(regs[b] == 0)
            elif op == JUMP:
                pc = a
            elif op == JUMPI:
                if regs[a] != 0:
                    pc = b
            elif op == REVERT:
                raise Fault(a)
            elif op == EMIT:
                outputs.append(regs[a])
            else:  # HASH
                regs[a] = hash_of(regs[b], c)
    except Fault as f:
        return {'status': 'reverted', 'code': f.code, 'gasUsed': gas, 'outputs': []}, reads, {}
    except OutOfGas:
        return {'status': 'out-of-gas', 'code': 0, 'gasUsed': gas_limit, 'outputs': []}, reads, {}
    return {'status': 'success', 'code': 0, 'gasUsed': gas, 'outputs': outputs}, reads, own


# The pre-state of the last request that carried one, as (request id, dict). Every answer says the
# engine keeps it (keepsPreState), so a block over the same pre-state comes with the id of that
# request (preStateOf) instead of the pre-state again.
kept = (None, None)


def pre_state(request):
    global kept
    block = request['block']
    if 'preState' in block:
        kept = (request['id'], {k: v for k, v in block['preState']})
    elif kept[0] is None or block.get('preStateOf') != kept[0]:
        raise ValueError(f"preStateOf {block.get('preStateOf')!r}: the last request that carried a pre-state was {kept[0]!r}")
    return kept[1]


def execute(block, pre):
    programs = [decode(p['code']) for p in block['programs']]
    state = dict(pre)
    receipts, reads = [], []
    used, limit = 0, block['gasLimit']
    executions = 0
    for tx in block['txs']:
        if used >= limit:
            receipts.append({'status': 'skipped', 'code': 0, 'gasUsed': 0, 'outputs': []})
            reads.append([])
            continue
        receipt, tx_reads, writes = run_tx(programs[tx['program']], tx['args'], tx['gasLimit'], state)
        executions += 1
        used += receipt['gasUsed']
        state.update(writes)
        receipts.append(receipt)
        reads.append(tx_reads)
    writes = [[k, v] for k, v in state.items() if pre.get(k, 0) != v]
    return writes, receipts, reads, executions


def answer(request):
    if request.get('format') != 'concord-exec/1':
        raise ValueError(f"format {request.get('format')!r}: this engine speaks concord-exec/1")
    pre = pre_state(request)
    started = time.perf_counter()
    writes, receipts, reads, executions = execute(request['block'], pre)
    execute_ms = (time.perf_counter() - started) * 1000
    stats = {'executions': executions, 'reExecutions': 0, 'validations': 0, 'failedValidations': 0,
             # A positive number, as the protocol requires: rounding must not make a quick block 0.
             'executeMs': max(round(execute_ms, 3), 0.001)}
    # No 'fallback': set it (to why) only on a block a parallel engine sent to a sequential path
    # instead, which bench's report says "fell back" of; this example has no other path to fall from.
    return {'id': request['id'], 'writes': writes, 'receipts': receipts, 'reads': reads, 'stats': stats, 'keepsPreState': True}


def main():
    for line in sys.stdin.buffer:  # bytes: JSON is UTF-8 whatever the locale says
        if not line.strip():
            continue
        request = None
        try:
            request = json.loads(line)
            reply = answer(request)
        except Exception as e:  # a block this engine cannot run: say why, stay in use
            print(f'exec-engine.py: {type(e).__name__}: {e}', file=sys.stderr)
            rid = request.get('id') if isinstance(request, dict) else None
            reply = {'id': rid, 'error': f'{type(e).__name__}: {e}'}
        sys.stdout.write(json.dumps(reply, separators=(',', ':')) + '\n')
        sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
