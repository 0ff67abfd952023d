#!/usr/bin/python3
"""Write ROWS rows of daily candles split over CSV files, one per symbol, in
DIR (for the import line of `make bench`): consecutive calendar days from
1800-01-01, at most 80,000 a file so that none is after tomorrow, prices
with six decimals like a provider's. Prints the import's arguments, one a
line: --symbol, SYMBOL, FILE, ...

usage: import_files.py DIR ROWS [PREFIX]
"""

import datetime
import os
import random
import sys

PER_FILE = 80000


def write(path, start, n, rnd):
    day = datetime.date(1800, 1, 1)
    one = datetime.timedelta(days=1)
    price = 100.0
    with open(path, "w") as f:
        f.write("date,open,high,low,close,adjclose,volume\n")
        for _ in range(n):
            o = price
            c = max(1.0, o * (1 + rnd.uniform(-0.02, 0.02)))
            h = max(o, c) * (1 + rnd.uniform(0, 0.01))
            lo = min(o, c) * (1 - rnd.uniform(0, 0.01))
            f.write(f"{day.isoformat()},{o:.6f},{h:.6f},{lo:.6f},{c:.6f},{c:.6f},"
                    f"{rnd.randrange(1000, 10**9)}\n")
            price = float(f"{c:.6f}")
            day += one


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    out, rows = sys.argv[1], int(sys.argv[2])
    prefix = sys.argv[3] if len(sys.argv) == 4 else "BENCH"
    rnd = random.Random(7)
    k = 0
    while rows > 0:
        n = min(rows, PER_FILE)
        sym = f"{prefix}{k}"
        path = os.path.join(out, f"{sym}.csv")
        write(path, k, n, rnd)
        print("--symbol", sym, path, sep="\n")
        rows -= n
        k += 1


if __name__ == "__main__":
    main()
