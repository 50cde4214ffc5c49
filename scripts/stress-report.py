#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The stress test's figures, from the boots' console logs.

    scripts/stress-report.py BUILD

reads BUILD/<arch>[-debug]/console-<boot>.log of every boot that ran
selftests/dcma/dcma_stress_test.c ("make check" for the plain kernels,
"make check-debug" for the debug ones) and prints a Markdown table: per
boot, kernel and phase, the operations run, the errnos the workers got,
the faults injected, the kernel reports in the whole boot log (counted as
scripts/results.py counts them: they must be 0) and the phase's verdict.
"""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import BAD  # noqa: E402

OPS = re.compile(r'dcma_stress_test\.c:\d+:(\w+):(\w+): (\d+) ops in (\d+) s, '
                 r'(\d+) errnos')
FAULTS = re.compile(r'dcma_stress_test\.c:\d+:\w+:(\w+): (\d+) faults injected')
VERDICT = re.compile(r'^ksft:\s+(not ok|ok) \d+ (kill|stress)\.(\w+)(.*)$')


def report(path):
    """Rows for one console log, or nothing if the stress test did not run"""
    with open(path, errors='replace') as f:
        lines = f.read().splitlines()
    reports = sum(1 for line in lines if BAD.search(line))
    phases, faults, verdicts = [], {}, {}
    for line in lines:
        m = OPS.search(line)
        if m:
            phases.append((m.group(1), m.group(2), m.group(3), m.group(4),
                           m.group(5)))
        m = FAULTS.search(line)
        if m:
            faults[m.group(1)] = m.group(2)
        m = VERDICT.match(line)
        if m:
            skip = '# SKIP' in m.group(4)
            verdicts[m.group(3)] = 'skip' if skip else \
                'pass' if m.group(1) == 'ok' else 'FAIL'
    rows = []
    for test, phase, ops, secs, errnos in phases:
        rows.append((phase, ops, secs, errnos, faults.get(phase, '-'),
                     reports, verdicts.get(test, '?')))
    if 'mid_claim' in verdicts:
        rows.insert(0, ('kill during a claim', '-', '-', '-', '-', reports,
                        verdicts['mid_claim']))
    return rows


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    logs = sorted(glob.glob(os.path.join(sys.argv[1], '*', 'console-*.log')))
    print('| boot | kernel | phase | ops | seconds | errnos | faults injected '
          '| kernel reports | result |')
    print('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |')
    found = False
    for log in logs:
        kernel = 'debug' if os.path.basename(os.path.dirname(log)).endswith(
            '-debug') else 'plain'
        boot = os.path.basename(log)[len('console-'):-len('.log')]
        for row in report(log):
            found = True
            print(f'| {boot} | {kernel} | ' + ' | '.join(str(c) for c in row)
                  + ' |')
    if not found:
        sys.exit(f'{sys.argv[1]}: no boot log with dcma_stress_test results')


if __name__ == '__main__':
    main()
