#!/usr/bin/env python3
"""Peer benchmark: AutoETS and ADIDA on Hyndman's car parts with statsforecast.

Keeps the complete series (2,509 of 2,674), holds out the last 12 months (h = 12), fits
each model on the first 39 months on one core (n_jobs=1), and scores the forecasts.
Prints one JSON object per model on stdout.
"""
import argparse
import json
import time

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import ADIDA, AutoETS

from _common import data_dir

H = 12


def load():
    # Wide format: Part, then one column per month (Jan-98 .. Mar-02); empty cell = NA.
    wide = pd.read_csv(data_dir() / "carparts" / "carparts.csv", dtype={"Part": str})
    wide = wide.set_index("Part").dropna()           # complete series only
    ds = pd.date_range("1998-01-01", periods=wide.shape[1], freq="MS")
    wide.columns = ds
    long = (wide.stack().rename("y").rename_axis(["unique_id", "ds"]).reset_index())
    return wide, long


def score(wide, fc, col):
    """Mean MASE (series with a non-zero scale), MAE and RMSE over the held-out 12 months."""
    train = wide.iloc[:, :-H].to_numpy(dtype=float)
    test = wide.iloc[:, -H:].to_numpy(dtype=float)
    # Forecast matrix in the same series order as `wide`.
    pred = fc.pivot(index="unique_id", columns="ds", values=col).loc[wide.index].to_numpy()
    err = test - pred
    mae_s = np.abs(err).mean(axis=1)                   # per-series MAE
    scale = np.abs(np.diff(train, axis=1)).mean(axis=1)  # in-sample one-step naive MAE
    ok = scale > 0
    return {
        "mase": round(float((mae_s[ok] / scale[ok]).mean()), 4),
        "mase_series": int(ok.sum()),
        "mae": round(float(mae_s.mean()), 4),
        "rmse": round(float(np.sqrt((err ** 2).mean())), 4),  # pooled over all points
        "rmse_mean_per_series": round(float(np.sqrt((err ** 2).mean(axis=1)).mean()), 4),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--models", default="ADIDA,AutoETS", help="comma-separated subset")
    args = ap.parse_args()
    wide, long = load()
    train = long[long["ds"] < wide.columns[-H]]
    models = {"ADIDA": ADIDA(), "AutoETS": AutoETS(season_length=12)}
    for name in args.models.split(","):
        sf = StatsForecast(models=[models[name]], freq="MS", n_jobs=1)
        t0 = time.perf_counter()
        fc = sf.forecast(df=train, h=H)
        secs = time.perf_counter() - t0
        out = {"model": name, "series": len(wide), "h": H, "seconds": round(secs, 3)}
        out.update(score(wide, fc, name))
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
