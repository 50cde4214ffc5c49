#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn dcma's test logs into one verdict.

Each input is a "name=path" pair and is one of:

  host=LOG      the host harness's output, the static checks' (lint=LOG) or
                a tree's patch series checks (series@KVER=LOG): the
                closing "N passed, N failed" line is taken as it stands.
  ARCH=CONSOLE  a QEMU guest's serial console (ARCH@KVER for a boot of
                another tree than the first).  The kernel part (before the
                "kselftests begin" marker) holds the KUnit results; the lines
                behind "ksft: " hold the kselftests' KTAP.  Both are parsed
                by the kernel tree's own tools/testing/kunit/kunit.py parse.
                A panic, oops, BUG, warning, KASAN, UBSAN, lockdep or
                kmemleak report, or a guest that never reached the end
                marker, counts as one failure each.  In a boot of the
                kernel's dma-buf heap test (ARCH-heaps), every heap must
                have been imported by vgem: a skipped import step is a
                failure, and one pass otherwise.

Prints one line per layer, then "N passed, N failed, N skipped", and exits
1 when anything failed.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

BEGIN = 'dcma-init: kselftests begin'
END = 'dcma-init: kselftests end'
KSFT = 'ksft: '

# Kernel reports that fail a boot whatever the tests said.
BAD = re.compile(r'Kernel panic|Oops|BUG:|WARNING:|Unable to handle kernel|'
                 r'general protection fault|KASAN|UBSAN|'
                 r'possible (circular|recursive) locking|'
                 r'inconsistent lock state|suspected memory leak|'
                 r'unreferenced object|'
                 r'INFO: task .* blocked|soft lockup|hard LOCKUP|'
                 r'RCU stall|rcu_.*detected stall')


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def add(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped

    def __str__(self):
        return (f'{self.passed} passed, {self.failed} failed, '
                f'{self.skipped} skipped')


def leaf_failures(group, prefix=''):
    """Names of the failed test cases in kunit.py's JSON."""
    name = prefix + group.get('name', '')
    out = [f'{name}.{c["name"]}' for c in group.get('test_cases', [])
           if c['status'] not in ('PASS', 'SKIP')]
    for g in group.get('sub_groups', []):
        out += leaf_failures(g, name + '/' if name else '')
    return out


def kunit_parse(kunit_py, lines, label, logdir):
    """Parse KTAP @lines with kunit.py; return a Tally."""
    t = Tally()
    base = os.path.join(logdir, label.replace(' ', '-'))
    with open(base + '.ktap', 'w') as f:
        f.writelines(lines)
    # -B: no __pycache__ in the tested tree, which must stay the tree the
    # patch series gives, byte for byte (scripts/series.py)
    res = subprocess.run([sys.executable, '-B', kunit_py, 'parse',
                          '--json=' + base + '.json', base + '.ktap'],
                         capture_output=True, text=True)
    with open(base + '.parsed', 'w') as f:
        f.write(res.stdout + res.stderr)
    m = re.search(r'Ran (\d+) tests?: (.*)', res.stdout)
    if res.returncode not in (0, 1) or not m:
        print(f'{label}: kunit.py parse found no results '
              f'(see {base}.parsed)')
        t.failed = 1
        return t
    counts = dict((k.strip(), int(v)) for k, v in
                  re.findall(r'(\w+): (\d+)', m.group(2)))
    t.passed = counts.get('passed', 0)
    t.skipped = counts.get('skipped', 0)
    t.failed = (counts.get('failed', 0) + counts.get('crashed', 0) +
                counts.get('errors', 0))
    if t.passed + t.failed + t.skipped == 0:
        t.failed = 1
    if t.failed:
        try:
            with open(base + '.json') as f:
                for n in leaf_failures(json.load(f)):
                    print(f'{label}: FAILED {n}')
        except (OSError, ValueError):
            pass
        for line in res.stdout.splitlines():
            if '[ERROR]' in line:
                print(f'{label}: {line.split("] ", 1)[-1]}')
    return t


# A kernel log line: its timestamp, then the message.
STAMP = re.compile(r'^\[\s*\d+\.\d+\] ')
# What KUnit prints: KTAP lines, "#" diagnostics, and indented lines of a
# test's own output.  Anything else (a driver probing asynchronously, say)
# may land between a suite's "KTAP version" and "# Subtest:" lines, where
# kunit.py would take it for a broken suite.
KTAP_LINE = re.compile(r'^(KTAP version|TAP version|1\.\.\d|ok |not ok |#|\s)')


def kunit_lines(lines):
    """The kernel log's KUnit lines, timestamps kept."""
    out = []
    for line in lines:
        m = STAMP.match(line)
        if m and KTAP_LINE.match(line[m.end():]):
            out.append(line)
    return out


# The kernel's dmabuf-heaps test: each heap, then its import step.  Linux
# 6.1 says "OK" on the step's line, or "(Could not open vgem -
# skipping)" when there is no importer; Linux 6.12 reports it on the
# next KTAP line, "ok N Import buffer ..." or a skip "Could not open vgem".
HEAP = re.compile(r'Testing heap: (\S+)')
IMPORT = re.compile(r'Testing allocation and importing:\s*(.*)$')
RESULT = re.compile(r'^\s*(not ok|ok) \d+ (.*)$')


def heaps_imported(arch, ksft):
    """Whether every heap of a dmabuf-heaps boot was imported by vgem."""
    heaps, ok, pending = [], {}, None
    for line in ksft:
        m = HEAP.search(line)
        if m:
            heaps.append(m.group(1))
            continue
        m = IMPORT.search(line)
        if m and heaps:
            said = m.group(1).strip()
            ok[heaps[-1]] = said == 'OK'
            pending = None if said else heaps[-1]
            continue
        m = RESULT.match(line)
        if m and pending:
            ok[pending] = (m.group(1) == 'ok' and
                           m.group(2).startswith('Import buffer') and
                           '# SKIP' not in m.group(2))
            pending = None
    t = Tally()
    bad = [h for h in heaps if not ok.get(h)]
    for h in bad:
        print(f'{arch}: heap {h} was not imported by vgem')
    if not heaps:
        print(f'{arch}: the dma-buf heap test tested no heap')
    if bad or not heaps:
        t.failed = 1
    else:
        t.passed = 1
    return t


def guest(kunit_py, arch, path, logdir):
    total = Tally()
    try:
        with open(path, errors='backslashreplace') as f:
            log = f.readlines()
    except OSError:
        print(f'{arch}: no console log at {path}: the guest did not run')
        total.failed = 1
        return total
    kern, ksft, seen_begin, seen_end = [], [], False, False
    for line in log:
        if BEGIN in line:
            seen_begin = True
        elif END in line:
            seen_end = True
        elif KSFT in line:
            ksft.append(line.split(KSFT, 1)[1])
        elif not seen_begin:
            kern.append(line)
    for label, lines in ((f'{arch} kunit', kunit_lines(kern)),
                         (f'{arch} kselftest', ksft)):
        t = kunit_parse(kunit_py, lines, label, logdir)
        print(f'{label}: {t}')
        total.add(t)
    if arch.endswith('-heaps'):
        t = heaps_imported(arch, ksft)
        print(f'{arch} vgem import: {t}')
        total.add(t)
    bad = [line.strip() for line in log if BAD.search(line)]
    for line in bad[:10]:
        print(f'{arch}: kernel report: {line}')
    if bad:
        total.failed += 1
    if not seen_end:
        print(f'{arch}: the guest never finished its tests '
              f'(hang, crash or timeout); see {path}')
        total.failed += 1
    return total


def closing(name, path):
    t = Tally()
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        text = ''
    m = re.findall(r'^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$',
                   text, re.M)
    if not m:
        print(f'{name}: no "N passed, N failed" line in {path}')
        t.failed = 1
    else:
        p, f, s = m[-1]
        t.passed, t.failed, t.skipped = int(p), int(f), int(s or 0)
    print(f'{name}: {t}')
    for line in text.splitlines():
        if line.startswith('FAIL '):
            print(f'{name}: {line}')
    return t


def main(argv):
    tree, logdir, inputs = argv[0], argv[1], argv[2:]
    kunit_py = os.path.join(tree, 'tools/testing/kunit/kunit.py')
    os.makedirs(logdir, exist_ok=True)
    total = Tally()
    for item in inputs:
        name, path = item.split('=', 1)
        total.add(closing(name, path)
                  if name in ('host', 'lint') or name.startswith('series@')
                  else guest(kunit_py, name, path, logdir))
    print(total)
    return 1 if total.failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
