#!/usr/bin/env python3
"""make install and make uninstall into a temporary DESTDIR, and the installed program, man page
and completion at work: run from the repository root by tests/test_docs.c with $SESSQ."""
import os
import shutil
import stat
import subprocess
import sys
import tempfile

SESSQ = os.path.abspath(os.environ.get("SESSQ", "build/sessq"))
BUILD = os.path.relpath(os.path.dirname(SESSQ))
SESSQ_REL = os.path.join(BUILD, "sessq")
PREFIX = "/opt/sessq-test"


def fail(msg):
    sys.exit("install_check: " + msg)


def make(target, destdir):
    # Not the calling make's jobserver or variables: this make only copies what is built.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    # --assume-old: install what the tests ran, never rebuild it (with other flags) here.
    r = subprocess.run(["make", "--no-print-directory", "-s", "--assume-old=" + SESSQ_REL,
                        target, "BUILD=" + BUILD,
                        "PREFIX=" + PREFIX, "DESTDIR=" + destdir], capture_output=True,
                       text=True, env=env)
    if r.returncode != 0:
        fail("make %s: %s%s" % (target, r.stdout, r.stderr))


def main():
    dest = tempfile.mkdtemp(prefix="sessq-install-")
    try:
        make("install", dest)
        root = dest + PREFIX
        files = {"bin/sessq": 0o755, "share/man/man1/sessq.1": 0o644,
                 "share/bash-completion/completions/sessq": 0o644}
        for rel, mode in files.items():
            path = os.path.join(root, rel)
            if not os.path.isfile(path):
                fail(rel + " was not installed")
            if stat.S_IMODE(os.stat(path).st_mode) != mode:
                fail("%s has mode %o" % (rel, stat.S_IMODE(os.stat(path).st_mode)))
        prog = os.path.join(root, "bin/sessq")
        r = subprocess.run([prog, "--version"], capture_output=True, text=True)
        if r.returncode != 0 or not r.stdout.startswith("sessq "):
            fail("the installed sessq --version: %r" % r.stdout)
        want = subprocess.run([SESSQ, "stats", "--by", "source", "testdata/demo"],
                              capture_output=True).stdout
        got = subprocess.run([prog, "stats", "--by", "source", "testdata/demo"],
                             capture_output=True).stdout
        if got != want or not got:
            fail("the installed sessq answers differently")
        # C.UTF-8 is in every glibc: no locale complaint from man on a bare machine.
        man = subprocess.run(["man", "--warnings", "-l", os.path.join(root, "share/man/man1/sessq.1")],
                             capture_output=True, text=True,
                             env={**os.environ, "MANWIDTH": "80", "LC_ALL": "C.UTF-8"})
        if man.returncode != 0 or "warning" in man.stderr.lower():
            fail("man -l on the installed page: %s" % man.stderr)
        for section in ("NAME", "SYNOPSIS", "COMMANDS", "COMMON OPTIONS", "FILTERS", "THE SESSION MODEL",
                        "OUTPUT FORMATS", "EXPORT LAYOUT", "ENVIRONMENT", "EXIT STATUS"):
            if "\n" + section + "\n" not in man.stdout:
                fail("the man page has no section " + section)
        # the installed completion, with the installed program found on PATH as `sessq`
        script = ('source %s; COMP_WORDS=(sessq st); COMP_CWORD=1; _sessq; echo "${COMPREPLY[@]}"'
                  % os.path.join(root, "share/bash-completion/completions/sessq"))
        r = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                           env={**os.environ, "PATH": os.path.dirname(prog) + ":" + os.environ["PATH"]})
        if r.stdout.split() != ["stats"]:
            fail("the installed completion of 'sessq st': %r %s" % (r.stdout, r.stderr))
        make("uninstall", dest)
        left = [os.path.join(d, f) for d, _, fs in os.walk(dest) for f in fs]
        if left:
            fail("make uninstall left " + ", ".join(left))
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    print("install_check: ok")


if __name__ == "__main__":
    main()
