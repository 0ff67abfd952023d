#!/usr/bin/python3
"""test_layers.py: the layers of common/ hold, and the check that keeps them
fails when they do not.

- scripts/check_layers.py passes on the tree, and fails, naming the files,
  on a copy of the tree with a planted include cycle, a wrong-way include,
  a web header in a cron job, <fcgiapp.h> below web, and a source file in
  no layer folder;
- the built objects of common/ agree: no object uses a symbol defined in a
  higher layer, and no two modules use each other's symbols, even by a
  detour (what a header shared by two .c files could hide from the check);
- the built cron jobs and CLI link no FastCGI code (nm: no app_main,
  app_handle, jwt_verify, FCGX_*; readelf: no libfcgi), while every FastCGI
  binary has app_main.

Usage: test_layers.py [BUILD_DIR ...]   (default: every build*/ with a
cron/ folder). Ends with "layers: N passed, N failed".
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = os.path.join(ROOT, "scripts", "check_layers.py")
PY = "/usr/bin/python3"
WEB_ONLY = ("app_main", "app_handle", "jwt_verify")


def run_check(root):
    p = subprocess.run([PY, CHECK, root], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


class Tree:
    """A copy of the source folders the check reads, removed on exit."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="edgescout-layers.")
        for top in ("common", "cgi-bin", "cron", "cli"):
            shutil.copytree(os.path.join(ROOT, top), os.path.join(self.dir, top))
        return self

    def __exit__(self, *exc):
        shutil.rmtree(self.dir)

    def path(self, rel):
        return os.path.join(self.dir, rel)

    def add_include(self, rel, line):
        """Put line after the first #include of rel (its own header)."""
        with open(self.path(rel)) as f:
            lines = f.read().split("\n")
        first = next(i for i, l in enumerate(lines) if l.startswith("#include"))
        lines.insert(first + 1, line)
        with open(self.path(rel), "w") as f:
            f.write("\n".join(lines))


def expect_fault(tree, *words):
    rc, out = run_check(tree.dir)
    assert rc == 1, f"the check passed (rc {rc}):\n{out}"
    for w in words:
        assert w in out, f"{w!r} not named in:\n{out}"
    return out


def test_the_tree_passes():
    rc, out = run_check(ROOT)
    assert rc == 0, out
    assert "layers: ok" in out, out
    with Tree() as t:       # and so does an untouched copy
        rc, out = run_check(t.dir)
        assert rc == 0, out


def test_a_planted_cycle_fails_naming_its_files():
    # buf.c includes pool.h; pool including buf.h closes a loop within base
    with Tree() as t:
        t.add_include("common/base/pool.c", '#include "buf.h"')
        out = expect_fault(t, "include cycle", "buf, pool", "common/base/pool.c",
                           "common/base/buf.c")
        assert "may not include" not in out, out     # a cycle, not a wrong way


def test_a_longer_cycle_across_layers_is_named():
    # db (store) -> log (base) is fine; log -> db is both wrong-way and a loop
    with Tree() as t:
        t.add_include("common/base/log.c", '#include "db.h"')
        out = expect_fault(t, "common/base/log.c", "base may not include store",
                           "include cycle between db, ")
        cycle = out.split("include cycle between ", 1)[1].split(" (", 1)[0]
        assert {"db", "log"} <= set(cycle.split(", ")), cycle


def test_a_wrong_way_include_fails_naming_the_file():
    with Tree() as t:
        t.add_include("common/store/db.c", '#include "reply.h"')
        out = expect_fault(t, "common/store/db.c", "reply.h (web)",
                           "store may not include web")
        assert "include cycle" not in out, out


def test_a_web_header_in_a_cron_job_or_the_cli_fails():
    with Tree() as t:
        t.add_include("cron/prune.c", '#include "app.h"')
        t.add_include("cli/routes.c", '#include "req.h"')
        expect_fault(t, "cron/prune.c", "app.h (web)", "cli/routes.c", "req.h (web)")


def test_fcgiapp_below_web_fails():
    with Tree() as t:
        t.add_include("common/services/job.c", "#include <fcgiapp.h>")
        expect_fault(t, "common/services/job.c", "<fcgiapp.h>",
                     "services may not include web")


def test_a_source_file_in_no_layer_folder_fails():
    with Tree() as t:
        with open(t.path("common/stray.c"), "w") as f:
            f.write('#include "pool.h"\n')
        os.mkdir(t.path("common/misc"))
        with open(t.path("common/misc/odd.h"), "w") as f:
            f.write("\n")
        expect_fault(t, "common/stray.c: in no layer folder",
                     "common/misc/odd.h: in no layer folder")


def symbols(path):
    p = subprocess.run(["nm", path], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"nm {path}: {p.stderr}"
    return {line.split()[-1] for line in p.stdout.splitlines() if line.strip()}


def needed(path):
    p = subprocess.run(["readelf", "-d", path], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"readelf {path}: {p.stderr}"
    return [l.split("[", 1)[1].rstrip("]") for l in p.stdout.splitlines() if "(NEEDED)" in l]


def executables(pattern):
    return sorted(p for p in glob.glob(pattern)
                  if os.path.isfile(p) and os.access(p, os.X_OK) and "." not in
                  os.path.basename(p))


def build_dirs():
    dirs = sys.argv[1:] or sorted(d for d in glob.glob(os.path.join(ROOT, "build*"))
                                  if os.path.isdir(os.path.join(d, "cron")))
    assert dirs, "no build directory with cron/ binaries: build first"
    return dirs


def object_graph(d):
    """(layer of each module, module -> {used module: [symbols]}) of the
    objects of d/common/LAYER/*.o whose source is in the tree."""
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    import check_layers
    layer, defined, used = {}, {}, {}
    for o in sorted(glob.glob(os.path.join(d, "common", "*", "*.o"))):
        lay, name = o.split(os.sep)[-2], os.path.basename(o)[:-2]
        if lay not in check_layers.LAYERS or \
                not os.path.exists(os.path.join(ROOT, "common", lay, name + ".c")):
            continue
        layer[name] = lay
        p = subprocess.run(["nm", o], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, f"nm {o}: {p.stderr}"
        used[name] = set()
        for line in p.stdout.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "TDBR":
                defined[f[2]] = name
            elif len(f) == 2 and f[0] == "U":
                used[name].add(f[1])
    graph = {m: {} for m in used}
    for m, syms in used.items():
        for s in syms:
            if s in defined and defined[s] != m:
                graph[m].setdefault(defined[s], []).append(s)
    return check_layers, layer, graph


def test_objects_use_symbols_of_lower_layers_and_no_cycle():
    for d in build_dirs():
        cl, layer, graph = object_graph(d)
        assert len(layer) > 50, f"too few objects of common/ in {d}: build first"
        up = [f"{m} ({layer[m]}) uses {','.join(sorted(s))} of {t} ({layer[t]})"
              for m, uses in sorted(graph.items()) for t, s in sorted(uses.items())
              if cl.rank(layer[t]) > cl.rank(layer[m])]
        assert not up, "; ".join(up)
        cycles = cl.find_cycles({m: set(u) for m, u in graph.items()})
        assert not cycles, f"objects in a cycle: {cycles}"


def test_cron_jobs_and_the_cli_link_no_fastcgi_code():
    checked = 0
    for d in build_dirs():
        bins = executables(os.path.join(d, "cron", "*")) + \
            executables(os.path.join(d, "cli", "edgescout"))
        assert bins, f"no cron job or CLI in {d}"
        for b in bins:
            syms = symbols(b)
            bad = sorted(s for s in syms if s in WEB_ONLY or s.startswith("FCGX_"))
            assert not bad, f"{b} links web code: {' '.join(bad)}"
            libs = [n for n in needed(b) if "fcgi" in n]
            assert not libs, f"{b} needs {' '.join(libs)}"
            checked += 1
    assert checked > 0


def test_fastcgi_binaries_do_link_the_app_loop():
    # the same nm that finds nothing in the jobs finds the loop here
    for d in build_dirs():
        bins = executables(os.path.join(d, "cgi-bin", "*"))
        assert bins, f"no FastCGI binary in {d}"
        for b in bins:
            syms = symbols(b)
            assert "app_main" in syms, f"{b} has no app_main"
            assert any(s.startswith("FCGX_") for s in syms), f"{b} has no FCGX_ symbol"
            assert any("fcgi" in n for n in needed(b)), f"{b} does not need libfcgi"


def main():
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_") and callable(f)]
    passed = failed = 0
    for name, fn in tests:
        try:
            fn()
        except AssertionError as e:
            failed += 1
            print(f"FAIL {name}: {e}")
            continue
        except Exception as e:      # a broken test is a failure too
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            continue
        passed += 1
        print(f"ok   {name}")
    print(f"layers: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
