#!/usr/bin/python3
"""make-deals-demo.py: write data/deals-demo.csv, the recorded listings that
`edgescout deals demo` loads, from the ggplot2 diamonds data set.

Usage: make-deals-demo.py DIAMONDS_CSV > data/deals-demo.csv

Every round diamond of 0.90 to 1.10 carat in four cut/colour/clarity grades
(the demo searches: Ideal G VS2, Premium H SI1, Very Good E SI1, Premium F
SI2) becomes one listing: its price (US dollars), carat, cut, colour and
clarity are the data set's. The rest is made up from the row number, the
same on every run: the item id (dmd-ROW), shipping (unknown, free or
15-45), the condition (every seventh pre-owned), seller feedback, the
listing time in November 2026 and the location."""

import csv
import sys

GRADES = {("Ideal", "G", "VS2"), ("Premium", "H", "SI1"), ("Very Good", "E", "SI1"),
          ("Premium", "F", "SI2")}
PLACES = [("New York, NY", "US"), ("Antwerp", "BE"), ("Tel Aviv", "IL"),
          ("Los Angeles, CA", "US"), ("Mumbai", "IN"), ("London", "GB")]
COLUMNS = ["item_id", "title", "price", "currency", "shipping", "condition",
           "seller_feedback_pct", "feedback_score", "url", "listed_at", "location",
           "country", "category", "buying_option"]


def main():
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(COLUMNS)
    with open(sys.argv[1], newline="") as f:
        for row, d in enumerate(csv.DictReader(f), 1):
            carat = float(d["carat"])
            if not 0.90 <= carat <= 1.10 or (d["cut"], d["color"], d["clarity"]) not in GRADES:
                continue
            shipping = ["", "0", "15", "25", "35", "45"][row % 6]
            place, country = PLACES[row % len(PLACES)]
            out.writerow([
                f"dmd-{row}",
                f"{carat:.2f} ct {d['cut']} {d['color']} {d['clarity']} round diamond",
                f"{int(d['price'])}.00", "USD", shipping,
                "Pre-owned" if row % 7 == 0 else "New",
                f"{97 + (row % 31) / 10:.1f}", str(5 + row * 37 % 4000), "",
                f"2026-11-{1 + row % 28:02d}T{row % 24:02d}:00:00Z", place, country,
                "Diamonds", "best_offer" if row % 5 == 0 else "fixed_price"])


if __name__ == "__main__":
    main()
