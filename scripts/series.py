#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""dcma as a git format-patch series, and the checks on it.

  series.py patches TOP KB KVER OUT   write the series of the tested tree
                                      KB/linux to OUT
  series.py check TOP KB KVER OUT     git am OUT onto a pristine repository
                                      of the tree, checkpatch --strict on
                                      each patch, and compare the result
                                      with the tested tree byte for byte
  series.py bisect TOP KB KVER OUT -- MAKE...
                                      build the kernel at each patch

KB is the tree's build folder (build/<KVER>): the tested tree is KB/linux,
the pristine repository KB/pristine (one commit holding Debian's
linux-source-KVER as extracted, made once per package version).  The
series is cut as scripts/patches/series says; see that file.

"check" and "bisect" print one line per step and close with
"N passed, N failed" (scripts/results.py reads it).
"""
import fnmatch
import glob
import os
import re
import shutil
import subprocess
import sys

ENV = dict(os.environ, GIT_AUTHOR_NAME='dcma developers',
           GIT_AUTHOR_EMAIL='dcma@localhost',
           GIT_COMMITTER_NAME='dcma developers',
           GIT_COMMITTER_EMAIL='dcma@localhost',
           GIT_AUTHOR_DATE='2026-01-01T00:00:00Z',
           GIT_COMMITTER_DATE='2026-01-01T00:00:00Z',
           LC_ALL='C')
# The kernel's scripts (checkpatch's spdxcheck.py) with Debian's python3,
# which has the modules scripts/deps.sh installs
SYSTEM = dict(os.environ, PATH='/usr/bin:' + os.environ.get('PATH', ''))
SIGNOFF = 'Signed-off-by: dcma developers <dcma@localhost>'
# Files the series grows a piece at a time (see scripts/patches/series)
KCONFIG = 'kernel/dma/dcma/Kconfig'
MAKEFILE = 'kernel/dma/dcma/Makefile'
# Where the overlay puts dcma's files in the tree (scripts/prepare-tree.sh)
OVERLAY = ('kernel/dma', 'include/linux', 'include/trace/events',
           'Documentation', 'samples/dcma', 'tools/testing/selftests/dcma')


class Fail(Exception):
    pass


def git(repo, *args, env=None, check=True, inp=None):
    res = subprocess.run(['git', '-C', repo] + list(args), env=env or ENV,
                         input=inp, capture_output=True, text=True)
    if check and res.returncode:
        raise Fail(f'git {" ".join(args[:2])} failed: '
                   f'{(res.stderr or res.stdout).strip()}')
    return res.stdout


def pristine(top, kb, kver):
    """The pristine repository of the tree, made if missing or stale."""
    repo = os.path.join(kb, 'pristine')
    want = open(os.path.join(kb, 'linux', '.dcma-version')).read().strip()
    stamp = os.path.join(repo, '.git', 'dcma-version')
    if os.path.exists(stamp) and open(stamp).read().strip() == want:
        return repo
    print(f'series: making the pristine repository of linux-source-{kver} '
          f'{want}', file=sys.stderr)
    tmp = repo + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(repo, ignore_errors=True)
    os.makedirs(tmp)
    subprocess.run(['tar', '-C', tmp, '-xf',
                    f'/usr/src/linux-source-{kver}.tar.xz'], check=True)
    src = os.path.join(tmp, f'linux-source-{kver}')
    git(src, 'init', '-q')
    git(src, 'config', 'gc.auto', '0')
    git(src, 'config', 'core.autocrlf', 'false')
    git(src, 'add', '-A', '-f')   # Debian's .gitignore ignores the top level
    git(src, 'commit', '-q', '-m', f'linux-source-{kver} {want}')
    git(src, 'tag', 'pristine')
    with open(os.path.join(src, '.git', 'dcma-version'), 'w') as f:
        f.write(want + '\n')
    os.rename(src, repo)
    os.rmdir(tmp)
    return repo


def read_series(top):
    """The stanzas of scripts/patches/series, as dicts."""
    stanzas, cur = [], None
    for n, line in enumerate(open(os.path.join(top, 'scripts/patches/series')), 1):
        line = line.rstrip('\n')
        if line.startswith('#'):
            continue
        if not line.strip():
            cur = None
            continue
        if cur is None:
            cur = {'subject': None, 'integrate': [], 'files': [],
                   'kconfig': [], 'body': []}
            stanzas.append(cur)
        if line.startswith('\t'):
            cur['body'].append(line[1:])
            continue
        key, _, val = line.partition(':')
        if key == 'patch':
            cur['subject'] = val.strip()
        elif key in ('integrate', 'files', 'kconfig'):
            cur[key] += val.split()
        else:
            raise Fail(f'scripts/patches/series:{n}: unknown key "{key}"')
    return stanzas


def tree_files(top, tree):
    """dcma's files in the tested tree: path in tree -> path of the file."""
    out = {}
    for d in OVERLAY:
        for root, _, files in os.walk(os.path.join(tree, d)):
            for f in files:
                p = os.path.join(root, f)
                # the overlay's links are absolute, into the project
                # (and not into its build folder, which holds the tree)
                dst = os.readlink(p) if os.path.islink(p) else ''
                if (dst.startswith(top + os.sep) and not
                        dst.startswith(os.path.join(top, 'build') + os.sep)):
                    out[os.path.relpath(p, tree)] = dst
    return out


def kconfig_blocks(text):
    """The Kconfig file as (symbol or None for the header, text) blocks."""
    blocks, sym, cur = [], None, []
    for line in text.splitlines(keepends=True):
        m = re.match(r'config (\w+)$', line)
        if m:
            blocks.append((sym, ''.join(cur)))
            sym, cur = m.group(1), []
        cur.append(line)
    blocks.append((sym, ''.join(cur)))
    return blocks


def makefile_at(text, present):
    """The Makefile's lines whose objects' sources are all @present."""
    out, pending = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith('#') or not line.strip():
            pending.append(line)
            continue
        objs = re.findall(r'([\w-]+)\.o\b', line)
        have = [f'kernel/dma/dcma/{o}.c' in present for o in objs]
        if any(have) and not all(have):
            raise Fail(f'{MAKEFILE}: the objects of "{line.strip()}" '
                       'arrive in different patches; give each patch\'s '
                       'objects a line of their own')
        if all(have):
            out += pending + [line]
        pending = []
    return ''.join(out).rstrip('\n') + '\n'


def plan(top, kb, kver):
    """Each series patch: (subject, body, integration patches, files)."""
    tree = os.path.join(kb, 'linux')
    files = tree_files(top, tree)
    pdir = os.path.join(top, 'scripts/patches', kver)
    ipatches = {re.sub(r'^\d+-', '', f[:-6]): os.path.join(pdir, f)
                for f in sorted(os.listdir(pdir)) if f.endswith('.patch')}
    used_files, used_ip, used_sym, out = set(), set(), set(), []
    for st in read_series(top):
        ips = []
        for name in st['integrate']:
            opt = name.endswith('?')
            name = name.rstrip('?')
            if name not in ipatches:
                if opt:
                    continue
                raise Fail(f'scripts/patches/series names {name}, which '
                           f'scripts/patches/{kver}/ does not have')
            ips.append(ipatches[name])
            used_ip.add(name)
        mine = []
        for pat in st['files']:
            hits = sorted(f for f in files if fnmatch.fnmatchcase(f, pat))
            if not hits:
                raise Fail(f'scripts/patches/series: "{pat}" matches no '
                           f'file of the tree')
            mine += [f for f in hits if f not in mine]
        for f in mine:
            if f in used_files:
                raise Fail(f'scripts/patches/series: {f} is in two patches')
            used_files.add(f)
        used_sym.update(st['kconfig'])
        if not st['subject'] and not ips:
            continue        # a tree-specific patch this tree has not
        if not st['subject'] and (mine or st['kconfig'] or len(ips) != 1):
            raise Fail('scripts/patches/series: a stanza without a subject '
                       'takes one integration patch and nothing else')
        out.append(dict(st, ips=ips, mine=mine))
    for f in sorted(set(files) - used_files):
        raise Fail(f'{f} is in no patch of scripts/patches/series')
    for name in sorted(set(ipatches) - used_ip):
        raise Fail(f'scripts/patches/{kver}/{name} is in no patch of '
                   f'scripts/patches/series')
    syms = {s for s, _ in kconfig_blocks(open(files[KCONFIG]).read()) if s}
    for s in sorted(syms ^ used_sym):
        raise Fail(f'Kconfig entry {s}: '
                   + ('in no patch of scripts/patches/series' if s in syms
                      else 'scripts/patches/series names it; Kconfig has not'))
    return out, files


def patch_message(path):
    """The commit message of a git format-patch file."""
    head, _, _ = open(path).read().partition('\n---\n')
    hdr, _, body = head.partition('\n\n')
    subj = re.search(r'^Subject: (?:\[PATCH[^]]*\] )?(.*)$', hdr, re.M)
    return subj.group(1) + '\n\n' + body.strip() + '\n'


def stage(repo, env, path, text, executable=False):
    """Put @text at @path in the index of @env's GIT_INDEX_FILE."""
    blob = git(repo, 'hash-object', '-w', '--stdin', inp=text).strip()
    mode = '100755' if executable else '100644'
    git(repo, 'update-index', '--add', '--cacheinfo', f'{mode},{blob},{path}',
        env=env)


def build(top, kb, kver, out):
    """Commit the series on the pristine tree; write it to @out."""
    repo = pristine(top, kb, kver)
    stanzas, files = plan(top, kb, kver)
    index = os.path.join(repo, '.git', 'series.index')
    env = dict(ENV, GIT_INDEX_FILE=index)
    git(repo, 'read-tree', 'pristine', env=env)
    head, present, syms = git(repo, 'rev-parse', 'pristine').strip(), set(), []
    final = {KCONFIG: open(files[KCONFIG]).read(),
             MAKEFILE: open(files[MAKEFILE]).read()}
    for st in stanzas:
        msg = None
        for p in st['ips']:
            git(repo, 'apply', '--cached', '--whitespace=nowarn', p, env=env)
            if not st['subject']:
                msg = patch_message(p)
        present.update(st['mine'])
        syms += st['kconfig']
        for f in st['mine']:
            if f not in final:
                stage(repo, env, f, open(files[f]).read(),
                      os.access(files[f], os.X_OK))
        # the grown files, as of this patch's files and Kconfig entries
        if KCONFIG in present:
            stage(repo, env, KCONFIG,
                  ''.join(t for s, t in kconfig_blocks(final[KCONFIG])
                          if s is None or s in syms).rstrip('\n') + '\n')
        if MAKEFILE in present:
            stage(repo, env, MAKEFILE, makefile_at(final[MAKEFILE], present))
        if msg is None:
            msg = (st['subject'] + '\n\n' + '\n'.join(st['body']) + '\n\n'
                   + SIGNOFF + '\n')
        tree = git(repo, 'write-tree', env=env).strip()
        head = git(repo, 'commit-tree', tree, '-p', head, inp=msg).strip()
    git(repo, 'update-ref', 'refs/heads/series', head)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    git(repo, 'format-patch', '-q', '--cover-letter', '--zero-commit',
        '--no-signature', '--abbrev=12', '--stat=72', '-o', out,
        'pristine..series')
    cover(top, kb, kver, out)
    n = len(glob.glob(os.path.join(out, '*.patch'))) - 1
    print(f'series: {n} patches and a cover letter in {out}')


def cover(top, kb, kver, out):
    path = glob.glob(os.path.join(out, '0000-cover-letter.patch'))[0]
    text = open(path).read()
    version = open(os.path.join(kb, 'linux', '.dcma-version')).read().strip()
    blurb = open(os.path.join(top, 'scripts/patches/cover-letter')).read()
    blurb = blurb.replace('@KVER@', kver).replace('@VERSION@', version)
    subject, _, blurb = blurb.partition('\n\n')
    text = text.replace('*** SUBJECT HERE ***', subject.strip())
    text = text.replace('*** BLURB HERE ***', blurb.strip() + '\n\n' + SIGNOFF)
    open(path, 'w').write(text)


def maintained(repo, added):
    """The @added files that the DCMA entry of MAINTAINERS does not cover."""
    text = open(os.path.join(repo, 'MAINTAINERS')).read()
    m = re.search(r'^DCMA \(.*?\n\n', text, re.M | re.S)
    pats = re.findall(r'^F:\t(\S+)$', m.group(0), re.M) if m else []
    return [f for f in added if not any(
        f.startswith(p) if p.endswith('/') else fnmatch.fnmatchcase(f, p)
        for p in pats)]


def patches_of(out):
    return sorted(p for p in glob.glob(os.path.join(out, '*.patch'))
                  if not p.endswith('0000-cover-letter.patch'))


def am(repo, out):
    git(repo, 'am', '--abort', check=False)
    git(repo, 'checkout', '-q', '-f', '--detach', 'pristine')
    git(repo, 'clean', '-q', '-f', '-d', '-x')
    res = subprocess.run(['git', '-C', repo, 'am', '-q', '--whitespace=error']
                         + patches_of(out), env=ENV, capture_output=True,
                         text=True)
    if res.returncode:
        git(repo, 'am', '--abort', check=False)
        raise Fail('git am: ' + (res.stdout + res.stderr).strip()
                   .splitlines()[0] + '; the repository is left at the '
                   'pristine tree.  Make the series again ("make patches") '
                   'from the tree the tests ran on')


def check(top, kb, kver, out):
    repo = pristine(top, kb, kver)
    tree = os.path.join(kb, 'linux')
    passed = failed = 0

    def verdict(ok, what):
        nonlocal passed, failed
        print(('ok   ' if ok else 'FAIL ') + what)
        passed, failed = passed + ok, failed + (not ok)

    try:
        am(repo, out)
        verdict(True, f'git am of {len(patches_of(out))} patches onto '
                f'pristine linux-source-{kver}')
    except Fail as e:
        verdict(False, str(e))
        return passed, failed
    checkpatch = os.path.join(repo, 'scripts/checkpatch.pl')
    commits = git(repo, 'rev-list', '--reverse', 'pristine..HEAD').split()
    for p, c in zip(patches_of(out), commits):
        name = os.path.basename(p)
        # checkpatch asks of every patch that adds files whether MAINTAINERS
        # needs updating; what it asks is checked here instead: each file
        # the patch adds is under dcma's entry as of that patch
        git(repo, 'checkout', '-q', c)
        added = git(repo, 'diff', '--name-only', '--diff-filter=A',
                    c + '~', c).split()
        res = subprocess.run([checkpatch, '--strict', '--quiet', '--no-color',
                              '--terse', '--ignore', 'FILE_PATH_CHANGES', p],
                             cwd=repo, capture_output=True, text=True,
                             env=SYSTEM)
        out = (res.stdout + res.stderr).splitlines()
        # errors and warnings fail the patch; --strict's checks are listed
        found = [l for l in out if re.search(r': (ERROR|WARNING): ', l)]
        checks = [l for l in out if ': CHECK: ' in l]
        bad = maintained(repo, added)
        verdict(not found and (res.returncode == 0 or bool(checks)),
                f'checkpatch --strict {name}: {len(found)} errors and '
                f'warnings, {len(checks)} checks')
        for line in (found + checks)[:30]:
            print('     ' + line)
        if res.returncode and not found and not checks:
            print('\n'.join('     ' + l for l in out[:20]))
        verdict(not bad, f'MAINTAINERS covers the files {name} adds'
                + (f' (not: {" ".join(bad)})' if bad else ''))
    git(repo, 'checkout', '-q', commits[-1])
    # Python's bytecode caches are never part of a tree's sources; a tree
    # tested before results.py ran kunit.py with -B may hold one
    res = subprocess.run(['diff', '-r', '-q', '--exclude=.git',
                          '--exclude=.dcma-version', '--exclude=.dcma-applied',
                          '--exclude=__pycache__', tree, repo],
                         capture_output=True, text=True)
    verdict(res.returncode == 0, 'the tree at the end of the series is the '
            'tested tree, byte for byte')
    for line in (res.stdout + res.stderr).splitlines()[:10]:
        print('     ' + line)
    return passed, failed


def bisect(top, kb, kver, out, kmake):
    """Build at each patch of the series, in the pristine repository."""
    repo = pristine(top, kb, kver)
    passed = failed = 0
    am(repo, out)
    for c in git(repo, 'rev-list', '--reverse', 'pristine..HEAD').split():
        subj = git(repo, 'log', '-1', '--format=%s', c).strip()
        git(repo, 'checkout', '-q', c)
        res = subprocess.run(kmake, cwd=repo, capture_output=True, text=True)
        ok = res.returncode == 0
        print(('ok   ' if ok else 'FAIL ') + f'builds at "{subj}"', flush=True)
        if not ok:
            print('\n'.join('     ' + l for l in
                            (res.stdout + res.stderr).splitlines()[-15:]))
        passed, failed = passed + ok, failed + (not ok)
    return passed, failed


def main(argv):
    if len(argv) < 5 or argv[0] not in ('patches', 'check', 'bisect'):
        print(__doc__, file=sys.stderr)
        return 2
    cmd, top, kb, kver, out = argv[:5]
    top, kb, out = (os.path.realpath(x) for x in (top, kb, out))
    try:
        if not os.path.isdir(os.path.join(top, 'scripts/patches', kver)):
            raise Fail(f'KVER={kver} is not a tree dcma supports (no '
                       f'scripts/patches/{kver}/)')
        if not os.path.exists(os.path.join(kb, 'linux', '.dcma-version')):
            raise Fail(f'{kb}/linux is not a prepared tree; run '
                       f'"make tree KVER={kver}"')
        if cmd != 'patches' and not patches_of(out):
            raise Fail(f'{out} holds no series; run "make patches '
                       f'KVER={kver}"')
        if cmd == 'patches':
            build(top, kb, kver, out)
            return 0
        if cmd == 'check':
            p, f = check(top, kb, kver, out)
        else:
            p, f = bisect(top, kb, kver, out, argv[6:])
    except Fail as e:
        print(f'series: {e}')
        p, f = 0, 1
    print(f'{p} passed, {f} failed')
    return 1 if f else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
