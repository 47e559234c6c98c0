#!/usr/bin/env python3
"""Peer benchmark: frequent itemsets + association rules on arules Groceries with mlxtend.

Prints one JSON object per min-support on stdout.
"""
import argparse
import json
import time

import pandas as pd
from mlxtend.frequent_patterns import association_rules, fpgrowth
from mlxtend.preprocessing import TransactionEncoder

from _common import data_dir

RULE_SUPPORT = 0.006      # support at which rules are counted (arules / Lantz setup)
RULE_CONFIDENCE = 0.25


def read_baskets(path):
    # One basket per line. Strip only the line ending: two item labels end in a space
    # ("cream cheese ", "roll products ") exactly as in arules; strip() would give 171 items.
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\r\n").split(",") for line in f if line.rstrip("\r\n")]


def run(baskets, min_support):
    t0 = time.perf_counter()
    te = TransactionEncoder()
    onehot = pd.DataFrame(te.fit(baskets).transform(baskets), columns=te.columns_)
    t1 = time.perf_counter()
    itemsets = fpgrowth(onehot, min_support=min_support, use_colnames=True)
    t2 = time.perf_counter()
    out = {
        "min_support": min_support,
        "baskets": len(baskets),
        "items": len(te.columns_),
        "itemsets": len(itemsets),
        "fpgrowth_seconds": round(t2 - t1, 4),
        "total_seconds": round(t2 - t0, 4),  # encoding + fpgrowth
    }
    if abs(min_support - RULE_SUPPORT) < 1e-12:
        t3 = time.perf_counter()
        rules = association_rules(itemsets, metric="confidence", min_threshold=RULE_CONFIDENCE)
        t4 = time.perf_counter()
        single = rules[rules["consequents"].apply(len) == 1]
        out.update({
            "min_confidence": RULE_CONFIDENCE,
            "rules_all": len(rules),
            "rules_single_consequent": len(single),
            "rules_seconds": round(t4 - t3, 4),
        })
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--min-support", type=float, action="append",
                    help="repeatable; default 0.01 0.006 0.005 0.001")
    args = ap.parse_args()
    supports = args.min_support or [0.01, 0.006, 0.005, 0.001]
    baskets = read_baskets(data_dir() / "groceries-arules" / "groceries.csv")
    for s in supports:
        print(json.dumps(run(baskets, s)), flush=True)


if __name__ == "__main__":
    main()
