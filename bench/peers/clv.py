#!/usr/bin/env python3
"""Peer benchmark: BG/NBD + Gamma-Gamma on the CDNOW 1/10 sample with lifetimes.

Setup as published (Fader, Hardie & Lee 2005): calibration = 1997-01-01 .. 1997-09-30
(39 weeks), time unit = week, repeat purchases counted per distinct purchase day
(lifetimes freq='D' merges same-day purchases, summing their dollar value;
freq_multiplier=7 turns days into weeks). Prints one JSON object on stdout.
"""
import json
import time

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import calibration_and_holdout_data

from _common import data_dir

CAL_END = "1997-09-30"
OBS_END = "1998-06-30"


def bgnbd_ll(bg, rfm):
    """Total BG/NBD log-likelihood in week units, as published.

    lifetimes fits on rescaled time (T * 10/max T) and keeps the mean negative LL on that
    scale, which differs from the week-unit LL by a Jacobian term; re-evaluate here.
    """
    f, r, t = (rfm[c].to_numpy() for c in ("frequency_cal", "recency_cal", "T_cal"))
    log_params = np.log(bg.params_[["r", "alpha", "a", "b"]].to_numpy())
    mean_nll = BetaGeoFitter._negative_log_likelihood(
        log_params, f.astype(int), r, t, np.ones_like(r), 0.0)
    return -float(mean_nll) * len(rfm)


def main():
    path = data_dir() / "cdnow-sample" / "CDNOW_sample.txt"
    t0 = time.perf_counter()
    # No header; columns: master_id, sample_id, date (YYYYMMDD), number_of_cds, dollar_value.
    tx = pd.read_csv(path, sep=r"\s+", header=None,
                     names=["master_id", "sample_id", "date", "cds", "dollars"],
                     dtype={"master_id": str, "sample_id": str, "date": str})
    tx["date"] = pd.to_datetime(tx["date"], format="%Y%m%d")
    rfm = calibration_and_holdout_data(
        tx, "master_id", "date", calibration_period_end=CAL_END, observation_period_end=OBS_END,
        freq="D", freq_multiplier=7, monetary_value_col="dollars")
    t1 = time.perf_counter()

    bg = BetaGeoFitter(penalizer_coef=0.0)
    bg.fit(rfm["frequency_cal"], rfm["recency_cal"], rfm["T_cal"])
    t2 = time.perf_counter()

    # Gamma-Gamma on repeat buyers only, with their mean repeat-purchase value.
    rep = rfm[rfm["frequency_cal"] > 0]
    gg = GammaGammaFitter(penalizer_coef=0.0)
    gg.fit(rep["frequency_cal"], rep["monetary_value_cal"])
    t3 = time.perf_counter()

    # Point check from SOURCE.md: customer 1 (master_id 00004).
    c1 = rfm.loc["00004"]
    ex39 = bg.conditional_expected_number_of_purchases_up_to_time(
        39, c1["frequency_cal"], c1["recency_cal"], c1["T_cal"])
    palive = bg.conditional_probability_alive(c1["frequency_cal"], c1["recency_cal"], c1["T_cal"])
    ex39, palive = np.ravel(ex39)[0], np.ravel(palive)[0]

    out = {
        "customers": len(rfm),
        "transactions": len(tx),
        "repeat_buyers": len(rep),
        "bgnbd": {k: round(float(v), 4) for k, v in bg.params_.items()},
        "bgnbd_log_likelihood": round(bgnbd_ll(bg, rfm), 2),
        "bgnbd_seconds": round(t2 - t1, 4),
        "gammagamma": {k: round(float(v), 4) for k, v in gg.params_.items()},
        "gammagamma_log_likelihood": round(-float(gg._negative_log_likelihood_) * len(rep), 2),  # mean NLL * n
        "gammagamma_seconds": round(t3 - t2, 4),
        "prep_seconds": round(t1 - t0, 4),
        "customer1": {"x": float(c1["frequency_cal"]), "t_x": round(float(c1["recency_cal"]), 4),
                      "T": round(float(c1["T_cal"]), 4), "E_X_39w": round(float(ex39), 4),
                      "p_alive": round(float(palive), 4)},
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
