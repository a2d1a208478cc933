"""Peer check of `dyadsim sensitivity`: SALib recomputes the indices from our samples.csv
and outputs.csv, and must agree with our sensitivity.csv within our bootstrap CIs; for the
test functions both must also be within their CIs of the analytic indices.

usage: check.py DIR...   (each DIR a sensitivity folder written by dyadsim)
"""
import json
import math
import pathlib
import sys

import numpy as np
import pandas as pd
from importlib.metadata import version
from SALib.analyze import morris, sobol

ISHIGAMI = {
    "S1": [0.3139, 0.4424, 0.0],
    "ST": [0.5576, 0.4424, 0.2437],
}


def g_analytic(a):
    v = np.array([1.0 / (3.0 * (1.0 + x) ** 2) for x in a])
    total = np.prod(1.0 + v) - 1.0
    s1 = v / total
    st = np.array([v[i] * np.prod(np.delete(1.0 + v, i)) / total for i in range(len(v))])
    return {"S1": list(s1), "ST": list(st)}


ANALYTIC = {"ishigami": ISHIGAMI, "gfunction": g_analytic([0, 1, 4.5, 9, 99, 99, 99, 99])}

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what}")


print(f"SALib {version('SALib')}")
for d in map(pathlib.Path, sys.argv[1:]):
    problem_json = json.loads((d / "problem.json").read_text())
    samples = pd.read_csv(d / "samples.csv")
    outputs = pd.read_csv(d / "outputs.csv")
    ours = pd.read_csv(d / "sensitivity.csv")
    names = [p["name"] for p in problem_json["parameters"]]
    bounds = [[p.get("from", 0.0), p.get("to", 1.0)] for p in problem_json["parameters"]]
    problem = {"num_vars": len(names), "names": names, "bounds": bounds}
    method = problem_json["method"]
    X = samples[names].to_numpy(dtype=float)
    assert list(samples["point"]) == list(range(len(samples))), "rows in point order"
    name = problem_json["name"]
    worst_est = 0.0  # largest |ours - SALib| / our CI half-width
    worst_conf = 1.0  # CI half-width ratio farthest from 1
    analysed = []
    for metric in problem_json["metrics"]:
        if not (ours["metric"] == metric).any():
            continue
        analysed.append(metric)
        rows = ours[ours["metric"] == metric].set_index("parameter").loc[names]
        Y = outputs[metric].to_numpy(dtype=float)
        if method["design"] == "morris":
            si = morris.analyze(problem, X, Y, num_resamples=1000, conf_level=0.95,
                                num_levels=method["levels"], seed=1)
            pairs = [("mu", "mu", "mu_conf"), ("mu_star", "mu_star", "mu_star_conf"),
                     ("sigma", "sigma", "sigma_conf")]
            confs = [("mu_star_conf", "mu_star_conf")]
        else:
            si = sobol.analyze(problem, Y, calc_second_order=False, num_resamples=1000,
                               conf_level=0.95, seed=1)
            pairs = [("S1", "S1", "S1_conf"), ("ST", "ST", "ST_conf")]
            confs = [("S1_conf", "S1_conf"), ("ST_conf", "ST_conf")]
        for ours_col, salib_key, conf_col in pairs:
            for i, p in enumerate(names):
                a, b = rows.loc[p, ours_col], float(si[salib_key][i])
                conf = rows.loc[p, conf_col]
                tol = conf + 1e-9 * max(1.0, abs(a))
                worst_est = max(worst_est, abs(a - b) / tol)
                check(abs(a - b) <= tol,
                      f"{name} {metric} {p} {ours_col}: ours {a:.6g} vs SALib {b:.6g} (our CI ±{conf:.3g})")
        for ours_col, salib_key in confs:
            for i, p in enumerate(names):
                a, b = rows.loc[p, ours_col], float(si[salib_key][i])
                if max(a, b) < 1e-9:
                    continue
                ratio = a / b if b > 0 else math.inf
                if abs(math.log(ratio)) > abs(math.log(worst_conf)):
                    worst_conf = ratio
                check(0.8 <= ratio <= 1.25,
                      f"{name} {metric} {p} {ours_col}: ours {a:.4g} vs SALib {b:.4g}")
        if name in ANALYTIC and method["design"] == "sobol":
            for idx in ("S1", "ST"):
                for i, p in enumerate(names):
                    truth = ANALYTIC[name][idx][i]
                    a, ca = rows.loc[p, idx], rows.loc[p, idx + "_conf"]
                    b, cb = float(si[idx][i]), float(si[idx + "_conf"][i])
                    check(abs(a - truth) <= ca + 1e-4,
                          f"{name} {p} {idx}: ours {a:.4f} ± {ca:.4f}, analytic {truth:.4f}")
                    check(abs(b - truth) <= cb + 1e-4,
                          f"{name} {p} {idx}: SALib {b:.4f} ± {cb:.4f}, analytic {truth:.4f}")
            line = ", ".join(f"{p}: S1 {rows.loc[p, 'S1']:.4f} (analytic {ANALYTIC[name]['S1'][i]:.4f}) "
                             f"ST {rows.loc[p, 'ST']:.4f} ({ANALYTIC[name]['ST'][i]:.4f})"
                             for i, p in enumerate(names))
            print(f"  {name}: {line}")
    check(len(analysed) > 0, f"{d}: no metric analysed")
    print(f"{d}: {method['design']}, {len(names)} parameters, {len(samples)} points, "
          f"metrics {', '.join(analysed)}; "
          f"largest |ours - SALib| = {worst_est:.2e} of our CI half-width; "
          f"CI half-width ratio ours/SALib farthest from 1: {worst_conf:.3f}")

print(f"sensitivity: {passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
