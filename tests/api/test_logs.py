"""The stack's logs against the real stack: 0640 files in a 0750 directory,
and a forced logrotate run (as the jobs loop runs it each hour) that loses no
line written while it ran, sends new lines to the new files and leaves no
process writing to the old ones. Client addresses 127.32.0.0/22."""

import itertools
import os
import pwd
import stat
import subprocess
import threading
import uuid

from lib import STACK, request, test, wait_for

ADDRS = itertools.cycle([f"127.32.{i // 256}.{i % 256}" for i in range(1, 1025)])
_lock = threading.Lock()
STACK_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                        "stack.sh")
# a worker's file and nginx's: the two ways of reopening (HUP, USR1)
FILES = ("watchlists.log", "nginx-access.log")


def src():
    with _lock:
        return next(ADDRS)


def hit(marker):
    """One request whose path carries marker into both logs; True when answered."""
    try:
        return request("GET", f"/api/watchlists/{marker}", source=src()).status == 401
    except OSError:
        return False


def read(name):
    path = os.path.join(STACK["LOG_DIR"], name)
    if not os.path.exists(path):
        return ""
    with open(path, errors="replace") as f:
        return f.read()


def holders(path):
    """Pids with path open, found by inode."""
    st = os.stat(path)
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fd_dir = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                s = os.stat(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if s.st_ino == st.st_ino and s.st_dev == st.st_dev:
                found.add(int(pid))
    return found


@test
def log_files_are_for_the_service_account_only():
    d = os.stat(STACK["LOG_DIR"])
    assert stat.S_IMODE(d.st_mode) & 0o007 == 0, f"log dir mode {oct(d.st_mode)}"
    owner = STACK["STACK_USER"]
    for name in sorted(os.listdir(STACK["LOG_DIR"])):
        st = os.stat(os.path.join(STACK["LOG_DIR"], name))
        if not stat.S_ISREG(st.st_mode):
            continue
        assert stat.S_IMODE(st.st_mode) & 0o007 == 0, f"{name} is {oct(st.st_mode)}"
        assert stat.S_IMODE(st.st_mode) & 0o020 == 0, f"{name} is group-writable"
        assert pwd.getpwuid(st.st_uid).pw_name == owner, f"{name} is not {owner}'s"


@test
def a_forced_rotation_loses_no_line_and_leaves_no_old_file_open():
    tag = uuid.uuid4().hex[:8]
    before = [f"rotbefore{tag}{i}" for i in range(8)]
    for m in before:
        assert hit(m), m
    answered, stop = [], threading.Event()

    def load():
        for i in itertools.count():
            if stop.is_set():
                return
            m = f"rotduring{tag}{i:05d}"
            if hit(m):
                answered.append(m)

    t = threading.Thread(target=load)
    t.start()
    try:
        wait_for(lambda: len(answered) >= 5, timeout=10)
        out = subprocess.run([STACK_SH, "rotate", STACK["DIR"], "--force"],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, f"rotate: {out.stdout}{out.stderr}"
        n = len(answered)
        wait_for(lambda: len(answered) >= n + 5, timeout=10)
    finally:
        stop.set()
        t.join(timeout=30)
    after = [f"rotafter{tag}{i}" for i in range(8)]
    for m in after:
        assert hit(m), m
    log_dir = STACK["LOG_DIR"]
    for name in FILES:
        old = os.path.join(log_dir, name + ".1")
        assert os.path.exists(old), f"{name} was not rotated: {sorted(os.listdir(log_dir))}"
        # nginx writes its access log each second, and reopens on USR1
        assert wait_for(lambda: all(m in read(name) for m in after), timeout=5), \
            f"new lines are not in the new {name}"
        new, rotated = read(name), read(name + ".1")
        for m in before:
            assert m in rotated and m not in new, f"{m}: before the rotation, in {name}.1"
        for m in after:
            assert m not in rotated, f"{m}: after the rotation, in {name}.1"
        lost = [m for m in answered if m not in new + rotated]
        assert not lost, f"{len(lost)} of {len(answered)} lines lost from {name}: {lost[:5]}"
        assert wait_for(lambda: not holders(old), timeout=5), \
            f"{name}.1 still open by {holders(old)}"
        st = os.stat(os.path.join(log_dir, name))
        assert stat.S_IMODE(st.st_mode) == 0o640, f"new {name} is {oct(st.st_mode)}"
        assert pwd.getpwuid(st.st_uid).pw_name == STACK["STACK_USER"], name
