#!/usr/bin/env python3
"""bench.py: the measuring half of `make bench` (scripts/bench.sh brings the
stack up and down). Runs wrk over HTTPS with keep-alive against each line of
tests/bench/benches.txt on the stack named by $STACK_ENV, and prints (and
writes to $BENCH_OUT) req/s, p50/p99 latency, the ratio to the nginx ceiling,
CPU time per request of nginx, the FastCGI workers and the client, and the
resident memory of every FastCGI worker after the load.

Settings (environment): BENCH_SECONDS (5, a line and round)
BENCH_CONNECTIONS (32) BENCH_THREADS (2) BENCH_WARMUP (2, seconds per line,
not counted) BENCH_ROUNDS (3: the lines run in turn, round after round; the
medians are shown, and a line's ratio is the median of its ratios to the
ceiling of the same round) BENCH_ONLY (comma-separated names; the ceiling always runs)
BENCH_TABLE BENCH_OUT BENCH_SIZING (a line describing the stack's sizing)
BENCH_JSON (a file for every run's figures, machine-readable).

Exit status: 0 when every line could be measured (targets met or not),
1 when the bench could not run or a line could not be measured (setup or
probe failed, non-2xx replies or socket errors under load)."""

import http.client
import json
import os
import re
import resource
import secrets
import shlex
import ssl
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLK_TCK = os.sysconf("SC_CLK_TCK")
RSS_TARGET_KIB = 8 * 1024


class BenchError(Exception):
    """A line (or the whole bench) could not be measured."""


def env_int(name, default, lo=1):
    v = os.environ.get(name, "")
    if v == "":
        return default
    if not v.isdigit() or int(v) < lo:
        raise BenchError(f"{name} must be a whole number of at least {lo} (got {v!r})")
    return int(v)


def load_stack(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, _, value = line.partition("=")
            parts = shlex.split(value)
            env[key.strip()] = parts[0] if parts else ""
    return env


# ---- the table ---------------------------------------------------------------

class Line:
    def __init__(self, name, method, path, target, needs, headers, body=None, p99_ms=None):
        self.name, self.method, self.path = name, method, path
        self.target, self.needs, self.headers = target, needs, headers
        self.body = body        # the request body (text), or None
        self.p99_ms = p99_ms    # the most p99 latency the target allows, or None
        self.rotate = None      # (header, values) each request takes the next of
        self.runs = []          # one dict per round
        self.problem = None     # why it could not be measured
        self.skipped = None     # why it was not run


def load_table(path):
    lines = []
    with open(path) as f:
        for no, text in enumerate(f, 1):
            text = text.strip()
            if not text or text.startswith("#"):
                continue
            fields = text.split(None, 5)
            if len(fields) < 5:
                raise BenchError(f"{path}:{no}: want name method path target needs [headers]")
            name, method, path_, target, needs = fields[:5]
            headers = []
            body = None
            if len(fields) == 6:
                for h in fields[5].split(" | "):
                    k, sep, v = h.partition(":")
                    if not sep or not k.strip():
                        raise BenchError(f"{path}:{no}: header {h!r} is not 'Name: value'")
                    if k.strip() == "Body":
                        body = v.strip()
                    else:
                        headers.append((k.strip(), v.strip()))
            if not path_.startswith("/") or not re.fullmatch(r"[A-Z]+", method):
                raise BenchError(f"{path}:{no}: bad method or path")
            ratio, _, p99 = target.partition("@")
            try:
                tgt = None if ratio == "-" else float(ratio)
                p99_ms = float(p99) if p99 else None
            except ValueError:
                raise BenchError(f"{path}:{no}: target {target!r} is not RATIO[@P99_MS] or -")
            lines.append(Line(name, method, path_, tgt, None if needs == "-" else needs, headers,
                              body, p99_ms))
    if not lines:
        raise BenchError(f"{path}: no lines")
    return lines


# ---- talking to the stack ----------------------------------------------------

class Stack:
    def __init__(self, env):
        self.env = env
        self.port = int(env["PORT"])
        self.ctx = ssl.create_default_context(cafile=env["CA"])
        self.binaries = env.get("BINARIES", "").split()

    def request(self, method, path, body=None, headers=None, raw=None):
        hdrs = dict(headers or {})
        data = None if raw is None else raw.encode()
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        conn = http.client.HTTPSConnection("localhost", self.port, context=self.ctx, timeout=30)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def url(self, path):
        # wrk checks no certificate; the address is the stack's own loopback one.
        return f"https://127.0.0.1:{self.port}{path}"


def setup_token(stack):
    """A Bearer access token of a new user (register, then log in)."""
    email = f"bench-{secrets.token_hex(6)}@example.com"
    password = "bench " + secrets.token_urlsafe(24)
    st, body = stack.request("POST", "/api/auth/register", {"email": email, "password": password})
    if st != 201:
        raise BenchError(f"POST /api/auth/register answered {st}: {body[:200]!r}")
    st, body = stack.request("POST", "/api/auth/login", {"email": email, "password": password})
    if st != 200:
        raise BenchError(f"POST /api/auth/login answered {st}: {body[:200]!r}")
    try:
        token = json.loads(body)["access_token"]
    except (ValueError, KeyError, TypeError):
        raise BenchError(f"POST /api/auth/login gave no access_token: {body[:200]!r}")
    if not isinstance(token, str) or not re.fullmatch(r"[A-Za-z0-9._~+/=-]+", token):
        raise BenchError("POST /api/auth/login gave an access_token that is not a token")
    return token


TOKENS_USERS = 32


def setup_tokens(stack):
    """Bearer access tokens of TOKENS_USERS new users, one a user."""
    return [setup_token(stack) for _ in range(TOKENS_USERS)]


# {name} in a header value -> the function that makes its value (once a run);
# a list of values makes each request carry the next one (report.lua).
SETUPS = {
    "token": setup_token,
    "tokens": setup_tokens,
}


def fill_headers(line, stack, values):
    """The line's headers with {name} filled in, and the (header, values)
    the requests rotate through (None when no value is a list)."""
    out = []
    rotate = None
    for k, v in line.headers:
        for name in re.findall(r"\{(\w+)\}", v):
            if name not in SETUPS:
                raise BenchError(f"no setup step for {{{name}}} (see SETUPS in bench.py)")
            if name not in values:
                values[name] = SETUPS[name](stack)
            if isinstance(values[name], list):
                if rotate is not None:
                    raise BenchError(f"{line.name}: one rotating value a line")
                rotate = (k, [v.replace("{" + name + "}", x) for x in values[name]])
                v = rotate[1][0]
            else:
                v = v.replace("{" + name + "}", values[name])
        out.append((k, v))
    line.rotate = rotate
    return out


# ---- processes -----------------------------------------------------------------

def proc_stat(pid):
    """(ppid, cpu ticks) of pid, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[11]) + int(fields[12])


def children(pid):
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = proc_stat(int(d))
            if st is not None and st[0] == pid:
                kids.append(int(d))
    return sorted(kids)


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class Procs:
    """The pids of nginx (master and workers) and of each binary's workers."""

    def __init__(self, stack):
        env = stack.env
        self.nginx_master = read_pid(env["NGINX_PID_FILE"])
        if self.nginx_master is None:
            raise BenchError(f"no nginx pid in {env['NGINX_PID_FILE']}")
        self.watchers = {}
        for name in stack.binaries:
            pid = read_pid(os.path.join(env["RUN_DIR"], f"{name}.pid"))
            if pid is not None:
                self.watchers[name] = pid

    def nginx(self):
        return [self.nginx_master] + children(self.nginx_master)

    def workers(self, name):
        return children(self.watchers[name]) if name in self.watchers else []

    def all_workers(self):
        return {name: self.workers(name) for name in self.watchers}

    def ticks(self):
        """CPU ticks used so far: nginx, all FastCGI workers."""
        def total(pids):
            return sum((proc_stat(p) or (0, 0))[1] for p in pids)
        return total(self.nginx()), sum(total(self.workers(n)) for n in self.watchers)


def machine_busy():
    """(busy ticks, all ticks) of the machine so far, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]) - idle, sum(v[:8])


def mem_kib(pid):
    """(VmRSS, RssAnon, Pss) of pid in KiB; None for what cannot be read."""
    rss = anon = pss = None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("RssAnon:"):
                    anon = int(line.split()[1])
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, anon, pss


# ---- running wrk ---------------------------------------------------------------

WRK_LINE = re.compile(r"^bench: (.*)$", re.M)


def run_wrk(stack, procs, line, headers, seconds, conns, threads):
    env = dict(os.environ, BENCH_METHOD=line.method, BENCH_BODY=line.body or "",
               BENCH_ROTATE_NAME=line.rotate[0] if line.rotate else "",
               BENCH_ROTATE_VALUES="\n".join(line.rotate[1]) if line.rotate else "",
               BENCH_HEADERS="\n".join(f"{k}: {v}" for k, v in headers))
    cmd = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--timeout", "5s",
           "-s", os.path.join(HERE, "report.lua"), stack.url(line.path)]
    n0, a0 = procs.ticks()
    m0 = machine_busy()
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    m1 = machine_busy()
    n1, a1 = procs.ticks()
    m = WRK_LINE.search(p.stdout)
    if p.returncode != 0 or m is None:
        raise BenchError(f"wrk failed (exit {p.returncode}): {(p.stderr or p.stdout).strip()[:300]}")
    r = {k: float(v) for k, v in (kv.split("=") for kv in m.group(1).split())}
    n = max(r["requests"], 1)
    tick_us = 1e6 / CLK_TCK
    client_s = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
    r["rps"] = r["requests"] / r["seconds"]
    r["cpu_nginx"] = (n1 - n0) * tick_us / n
    r["cpu_app"] = (a1 - a0) * tick_us / n
    r["cpu_client"] = client_s * 1e6 / n
    # Time the machine spent on anything but nginx, the workers and wrk, in
    # cores: other work on the machine makes the figures less reliable.
    other_ticks = (m1[0] - m0[0]) - (n1 - n0) - (a1 - a0) - client_s * CLK_TCK
    r["other_cores"] = max(other_ticks, 0) / CLK_TCK / r["seconds"]
    if r["non2xx"] > 0:
        raise BenchError(f"{int(r['non2xx'])} of {int(r['requests'])} replies were not 2xx")
    if r["errors"] > max(10, r["requests"] / 1000):
        raise BenchError(f"{int(r['errors'])} socket errors or timeouts")
    return r


# ---- the report ----------------------------------------------------------------

def ms(us):
    return f"{us / 1000:.2f} ms" if us < 100000 else f"{us / 1000:.0f} ms"


def median(line, key):
    return statistics.median(run[key] for run in line.runs)


def report(lines, stack, procs, cfg, started_workers):
    out = []
    ceiling = lines[0]
    ceil_rps = median(ceiling, "rps") if ceiling.runs else None
    out.append("edgescout bench, " + time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    out.append(f"wrk over HTTPS with keep-alive on loopback: {cfg['rounds']} round(s) of "
               f"{cfg['seconds']} s a line, {cfg['conns']} connections, {cfg['threads']} threads"
               + (" (medians)" if cfg["rounds"] > 1 else ""))
    if cfg["sizing"]:
        out.append(f"stack: {cfg['sizing']}")
    out.append(f"machine: {os.cpu_count()} cores")
    out.append("")
    head = (f"{'line':<10} {'path':<16} {'req/s':>8} {'p50':>9} {'p99':>9} {'ratio':>6} "
            f"{'target':>14}  {'met':<4} {'cpu µs/req nginx+app+wrk':>25}")
    out.append(head)
    out.append("-" * len(head))
    busy = []
    for line in lines:
        lead = f"{line.name:<10} {line.path:<16} "
        if line.skipped or line.problem:
            out.append(lead + (f"skipped: {line.skipped}" if line.skipped
                               else f"NOT MEASURED: {line.problem}"))
            continue
        rps = median(line, "rps")
        # Each round's line against that round's ceiling: the pairs ran
        # seconds apart, so a change in the machine's load hits both.
        pairs = [run["rps"] / c["rps"] for run, c in zip(line.runs, ceiling.runs) if c["rps"]]
        ratio = statistics.median(pairs) if pairs else 0.0
        tgt = f"≥{line.target:.2f}" if line.target is not None else "-"
        met = "-" if line.target is None else ("yes" if ratio >= line.target else "NO")
        if line.p99_ms is not None:
            tgt += f",p99<{line.p99_ms:g}ms"
            if median(line, "p99_us") >= line.p99_ms * 1000:
                met = "NO"
        cpu = (f"{median(line, 'cpu_nginx'):.0f}+{median(line, 'cpu_app'):.0f}"
               f"+{median(line, 'cpu_client'):.0f}")
        out.append(lead + f"{rps:>8.0f} {ms(median(line, 'p50_us')):>9} "
                   f"{ms(median(line, 'p99_us')):>9} {ratio:>6.3f} {tgt:>14}  {met:<4} {cpu:>25}")
        busy.extend(run["other_cores"] for run in line.runs)
    if busy and max(busy) > 0.25:
        out.append(f"warning: other processes used up to {max(busy):.2f} cores during the "
                   "runs; the figures are less reliable (run again on a quiet machine)")
    out.append("")
    out.append(f"resident memory per FastCGI worker after the load "
               f"(target: VmRSS ≤ {RSS_TARGET_KIB // 1024} MiB):")
    now = procs.all_workers()
    w = max([len("binary")] + [len(name) for name in now])
    out.append(f"{'binary':<{w}} {'workers':>7} {'VmRSS min..max':>18} {'private':>9} "
               f"{'Pss':>9}  met")
    for name, pids in now.items():
        mems = [mem_kib(p) for p in pids]
        rss = [m[0] for m in mems if m[0] is not None]
        anon = [m[1] for m in mems if m[1] is not None]
        pss = [m[2] for m in mems if m[2] is not None]
        if not rss:
            out.append(f"{name:<{w}} {'0':>7}  no worker running")
            continue
        note = ""
        if started_workers.get(name) and set(pids) != set(started_workers[name]):
            note = "  (workers were restarted during the run: a crash? see the log)"
        rng = f"{min(rss) / 1024:.1f}..{max(rss) / 1024:.1f} MiB"
        out.append(f"{name:<{w}} {len(pids):>7} {rng:>18} "
                   f"{(max(anon) / 1024 if anon else 0):>5.1f} MiB "
                   f"{(max(pss) / 1024 if pss else 0):>5.1f} MiB  "
                   f"{'yes' if max(rss) <= RSS_TARGET_KIB else 'NO'}{note}")
    out.append("")
    out.append("cpu µs/req: CPU time per request of nginx, of all FastCGI workers and of wrk.")
    out.append("VmRSS counts every shared library page a worker touched; private (RssAnon, "
               "max) is its own memory, Pss (max) its share of all.")
    return "\n".join(out) + "\n"


def main():
    cfg = {
        "seconds": env_int("BENCH_SECONDS", 5),
        "conns": env_int("BENCH_CONNECTIONS", 32),
        "threads": env_int("BENCH_THREADS", 2),
        "warmup": env_int("BENCH_WARMUP", 2, lo=0),
        "rounds": env_int("BENCH_ROUNDS", 3),
        "sizing": os.environ.get("BENCH_SIZING", ""),
    }
    if cfg["threads"] > cfg["conns"]:
        raise BenchError("BENCH_THREADS must not exceed BENCH_CONNECTIONS")
    stack = Stack(load_stack(os.environ["STACK_ENV"]))
    lines = load_table(os.environ.get("BENCH_TABLE", os.path.join(HERE, "benches.txt")))
    only = [n for n in os.environ.get("BENCH_ONLY", "").split(",") if n]
    procs = Procs(stack)
    started_workers = procs.all_workers()
    values = {}
    headers = {}
    for i, line in enumerate(lines):
        if i > 0 and only and line.name not in only:
            line.skipped = "not in BENCH_ONLY"
        elif line.needs and line.needs not in stack.binaries:
            line.skipped = f"no {line.needs} binary in this build"
        if line.skipped:
            continue
        try:
            headers[line.name] = fill_headers(line, stack, values)
            st, body = stack.request(line.method, line.path, headers=dict(headers[line.name]),
                                     raw=line.body)
            if not 200 <= st < 300:
                raise BenchError(f"{line.method} {line.path} answered {st}: {body[:160]!r}")
        except (BenchError, OSError, http.client.HTTPException) as e:
            if i == 0:
                raise BenchError(f"the ceiling {line.path}: {e}")
            line.problem = str(e)
    todo = [line for line in lines if not line.skipped and not line.problem]
    for rnd in range(cfg["rounds"]):
        for line in todo:
            if line.problem:
                continue
            try:
                if rnd == 0 and cfg["warmup"] > 0:
                    run_wrk(stack, procs, line, headers[line.name], cfg["warmup"],
                            cfg["conns"], cfg["threads"])
                line.runs.append(run_wrk(stack, procs, line, headers[line.name],
                                         cfg["seconds"], cfg["conns"], cfg["threads"]))
            except (BenchError, subprocess.TimeoutExpired) as e:
                if line is lines[0]:
                    raise BenchError(f"the ceiling {line.path}: {e}")
                line.problem = str(e)
            if line.runs and not line.problem:
                last = line.runs[-1]
                print(f"  {line.name:<10} round {rnd + 1}: {last['rps']:.0f} req/s", flush=True)
    text = report(lines, stack, procs, cfg, started_workers)
    sys.stdout.write(text)
    out = os.environ.get("BENCH_OUT")
    if out:
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        with open(out, "w") as f:
            f.write(text)
        print(f"(written to {out})")
    raw = os.environ.get("BENCH_JSON")
    if raw:
        with open(raw, "w") as f:
            json.dump({line.name: {"runs": line.runs, "problem": line.problem,
                                   "skipped": line.skipped} for line in lines}, f, indent=1)
    return 1 if any(line.problem for line in lines) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        sys.exit(1)
