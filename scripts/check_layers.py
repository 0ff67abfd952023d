#!/usr/bin/python3
"""check_layers.py: common/ is layered, and includes only point down.

Each source file of common/ lives in the folder of its layer (common/base,
...). A module is x.c with x.h (a header alone, or a .c alone, is a module
too). A file may include headers of its own layer and of the layers below;
the modules' include graph has no cycle. Entries (cgi-bin/, cron/, cli/,
tests/) may include anything, except that cron jobs and the CLI include no
web header: they link no FastCGI code.

Usage: check_layers.py [ROOT]   (ROOT: the source tree, default this repo).
Prints every fault as "FILE: what is wrong" and exits 1, or prints one
"layers: ok" line and exits 0.
"""
import os
import re
import sys

# The layers, bottom first: the one place their order is declared.
LAYERS = ["base", "domain", "store", "services", "web"]

# System headers only a layer (and the entries above it) may include.
SYSTEM_HEADER_LAYER = {"fcgiapp.h": "web", "fcgi_stdio.h": "web"}

# Entry folders, and the highest layer each may include (None: any).
ENTRIES = {"cgi-bin": None, "tests": None, "cron": "services", "cli": "services"}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def rank(layer):
    return LAYERS.index(layer)


def includes(path):
    """(line number, quoted?, name) of each #include of path."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for no, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                out.append((no, m.group(1) == '"', m.group(2)))
    return out


def sources(root, top):
    """Every .c and .h under root/top, as paths relative to root, sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.endswith((".c", ".h")):
                found.append(os.path.relpath(os.path.join(dirpath, name), root))
    return sorted(found)


def module_of(path):
    return os.path.splitext(os.path.basename(path))[0]


def find_cycles(edges):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, on_stack, stack, comps = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return comps


def cycle_path(comp, edges):
    """One closed path through the modules of comp, as a list of modules."""
    members = set(comp)
    start = comp[0]
    path, seen = [start], {start}
    while True:
        nxt = sorted(w for w in edges[path[-1]] if w in members)
        if start in nxt and len(path) > 1:
            return path + [start]
        step = next((w for w in nxt if w not in seen), None)
        if step is None:    # only old members ahead: close where it loops
            w = nxt[0]
            return path[path.index(w):] + [w]
        path.append(step)
        seen.add(step)


def check(root):
    faults = []
    common = sources(root, "common")
    header_at = {}      # "x.h" -> its path in common/
    layer_of = {}       # module -> layer
    files_of = {}       # module -> its files
    for path in common:
        parts = path.split(os.sep)
        if len(parts) != 3 or parts[1] not in LAYERS:
            faults.append(f"{path}: in no layer folder (common/{{{','.join(LAYERS)}}}/)")
            continue
        name, layer = parts[2], parts[1]
        mod = module_of(name)
        if mod in layer_of and layer_of[mod] != layer:
            faults.append(f"{path}: module {mod} is split between common/{layer_of[mod]}"
                          f" and common/{layer}")
        layer_of.setdefault(mod, layer)
        files_of.setdefault(mod, []).append(path)
        if name.endswith(".h"):
            if name in header_at:
                faults.append(f"{path}: a second {name} (also {header_at[name]})")
            header_at[name] = path

    edges = {}          # module -> set of modules it includes
    via = {}            # (module, module) -> "file:line includes header"
    nincludes = 0
    for path in common:
        parts = path.split(os.sep)
        if len(parts) != 3 or parts[1] not in LAYERS:
            continue
        layer, mod = parts[1], module_of(parts[2])
        edges.setdefault(mod, set())
        for no, quoted, name in includes(os.path.join(root, path)):
            if not quoted:
                want = SYSTEM_HEADER_LAYER.get(name)
                if want and rank(want) > rank(layer):
                    faults.append(f"{path}:{no}: includes <{name}> ({want}): "
                                  f"{layer} may not include {want}")
                continue
            nincludes += 1
            target = header_at.get(os.path.basename(name))
            if target is None:
                faults.append(f"{path}:{no}: includes \"{name}\", a header of no layer")
                continue
            tlayer, tmod = target.split(os.sep)[1], module_of(target)
            if rank(tlayer) > rank(layer):
                faults.append(f"{path}:{no}: includes {name} ({tlayer}): "
                              f"{layer} may not include {tlayer}")
            if tmod != mod:
                edges[mod].add(tmod)
                via.setdefault((mod, tmod), f"{path}:{no} includes {name}")

    for comp in find_cycles(edges):
        loop = cycle_path(comp, edges)
        steps = "; ".join(via[(a, b)] for a, b in zip(loop, loop[1:]))
        files = " ".join(f for m in comp for f in files_of[m])
        faults.append(f"include cycle between {', '.join(comp)} ({files}): {steps}")

    for top, ceiling in ENTRIES.items():
        if ceiling is None:
            continue
        for path in sources(root, top):
            for no, quoted, name in includes(os.path.join(root, path)):
                if not quoted:
                    tlayer = SYSTEM_HEADER_LAYER.get(name)
                else:
                    target = header_at.get(os.path.basename(name))
                    tlayer = target.split(os.sep)[1] if target else None
                if tlayer is not None and rank(tlayer) > rank(ceiling):
                    faults.append(f"{path}:{no}: includes {name} ({tlayer}): {top}/ "
                                  f"links no {tlayer} code")

    return faults, len(common), nincludes


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    faults, nfiles, nincludes = check(root)
    for f in faults:
        print(f)
    if faults:
        print(f"layers: {len(faults)} faults")
        return 1
    print(f"layers: ok ({nfiles} files of common/ in {len(LAYERS)} layers, "
          f"{nincludes} includes point down, no cycle)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
