"""Runs whatif and the tools a user would pick instead on the same generated
models (see gen.py), and prints times, ratios and agreement.

Every tool runs in its own process, timed end to end by this script (process
start to exit: interpreter or binary start, imports, reading the model, any
translation, the computation, the output). Each Python peer also reports its
kernel time (the computation alone), and so does whatif, through the `eval`
benchmark binary, which times only the evaluation of the model already
checked.

Usage: python peers.py DIR WHATIF EVALBENCH [--samples N]
  DIR       what gen.py wrote
  WHATIF    the whatif binary
  EVALBENCH the `eval` benchmark binary (target/release/deps/eval-*), or "-"
"""

import json
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


# --- the peers, each run as `python peers.py --child NAME DIR` ---------------


def child_pgmpy(d, samples):
    import itertools

    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.models import DiscreteBayesianNetwork
    from pgmpy.sampling import BayesianModelSampling

    net = json.load(open(os.path.join(d, "bn.json")))
    model = DiscreteBayesianNetwork()
    model.add_nodes_from([n["name"] for n in net["nodes"]])
    cpds = []
    for n in net["nodes"]:
        leak = float(n["leak"])
        parents = [f"x{p}" for p in n["parents"]]
        model.add_edges_from((p, n["name"]) for p in parents)
        ws = [float(w) for w in n["weights"]]
        # pgmpy's columns: the parents' states in itertools.product order.
        ones = []
        for states in itertools.product([0, 1], repeat=len(parents)):
            stay = 1.0 - leak
            for s, w in zip(states, ws):
                if s:
                    stay *= 1.0 - w
            ones.append(1.0 - stay)
        cpds.append(
            TabularCPD(
                n["name"],
                2,
                [[1.0 - p for p in ones], ones],
                evidence=parents or None,
                evidence_card=[2] * len(parents) or None,
            )
        )
    model.add_cpds(*cpds)
    t = time.perf_counter()
    df = BayesianModelSampling(model).forward_sample(size=samples, seed=1, show_progress=False)
    kernel = time.perf_counter() - t
    marginals = {n["name"]: float((df[n["name"]] == 1).mean()) for n in net["nodes"]}
    return {"kernel": kernel, "marginals": marginals}


def fcm_inputs(d):
    import numpy as np

    m = json.load(open(os.path.join(d, "fcm.json")))
    n = m["n"]
    src = np.array([e[0] for e in m["edges"]])
    dst = np.array([e[1] for e in m["edges"]])
    w = np.array([float(x) for x in m["weights"]])
    a = np.array([float(x) for x in m["start"]])
    return n, src, dst, w, a, m["steps"]


def fcm_run(matrix, a, steps):
    """The kernel: `steps` synchronous updates; returns (seconds, every step)."""
    import numpy as np

    t = time.perf_counter()
    out = [a]
    for _ in range(steps):
        a = 1.0 / (1.0 + np.exp(-(matrix @ a)))
        out.append(a)
    kernel = time.perf_counter() - t
    return {"kernel": kernel, "values": np.array(out).T.tolist()}


def child_numpy(d, _):
    import numpy as np

    n, src, dst, w, a, steps = fcm_inputs(d)
    wt = np.zeros((n, n))
    wt[dst, src] = w  # row i: the weights into concept i
    return fcm_run(wt, a, steps)


def child_scipy(d, _):
    from scipy.sparse import csr_matrix

    n, src, dst, w, a, steps = fcm_inputs(d)
    return fcm_run(csr_matrix((w, (dst, src)), shape=(n, n)), a, steps)


def child_pysd(d, _):
    t = time.perf_counter()
    import pysd

    m = json.load(open(os.path.join(d, "sd.json")))
    model = pysd.read_vensim(os.path.join(d, "sd.mdl"))
    translate = time.perf_counter() - t
    names = [f"s{i}" for i in range(len(m["start"]))]
    t = time.perf_counter()
    res = model.run(return_columns=names, return_timestamps=list(range(m["steps"] + 1)))
    kernel = time.perf_counter() - t
    return {
        "kernel": kernel,
        "translate": translate,
        "values": [res[c].to_list() for c in names],
    }


def child_bptk(d, _):
    from BPTK_Py import Model

    m = json.load(open(os.path.join(d, "sd.json")))
    model = Model(starttime=0, stoptime=m["steps"], dt=1, name="sd")
    stocks = []
    for i, s in enumerate(m["start"]):
        stock = model.stock(f"s{i}")
        stock.initial_value = float(s)
        stocks.append(stock)
    net = [None] * len(stocks)
    for f in m["flows"]:
        flow = model.flow(f["name"])
        flow.equation = float(f["rate"]) * stocks[f["from"]]
        net[f["to"]] = flow if net[f["to"]] is None else net[f["to"]] + flow
        net[f["from"]] = -flow if net[f["from"]] is None else net[f["from"]] - flow
    zero = model.constant("zero")
    zero.equation = 0.0
    for stock, eq in zip(stocks, net):
        stock.equation = eq if eq is not None else zero
    names = [f"s{i}" for i in range(len(stocks))]
    t = time.perf_counter()
    df = model.simulate(equations=names, backend="rust")
    kernel = time.perf_counter() - t
    return {"kernel": kernel, "values": [df[c].to_list() for c in names]}


CHILDREN = {
    "pgmpy": child_pgmpy,
    "numpy": child_numpy,
    "scipy": child_scipy,
    "pysd": child_pysd,
    "bptk": child_bptk,
}


# --- the driver ----------------------------------------------------------------


def timed(cmd, env=None):
    """Runs cmd; returns (wall seconds, stdout)."""
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stderr[-3000:]}")
    return wall, p.stdout


def peer(name, d, samples):
    # Some machines set OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE to work around
    # old OpenBLAS builds; they slow a current numpy, so the peers run without.
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    wall, out = timed([sys.executable, __file__, "--child", name, d, str(samples)], env)
    result = json.loads(out)
    result["wall"] = wall
    return result


def whatif(binary, d, model, extra=()):
    wall, out = timed([binary, "eval", os.path.join(d, model), "--format", "json", *extra])
    return wall, json.loads(out)


def whatif_kernel(bench, d, model, extra=()):
    """Seconds of the evaluation alone (the model already checked)."""
    if bench == "-":
        return float("nan")
    _, out = timed([bench, "--eval-file", os.path.join(d, model), *extra])
    return float(out.split()[0])


def max_diff(ours, theirs):
    """The largest absolute and relative differences between two series lists."""
    worst_abs = worst_rel = 0.0
    for a, b in zip(ours, theirs):
        if len(a) != len(b):
            return math.inf, math.inf
        for x, y in zip(a, b):
            worst_abs = max(worst_abs, abs(x - y))
            worst_rel = max(worst_rel, abs(x - y) / max(1.0, abs(y)))
    return worst_abs, worst_rel


def line(label, seconds, base=None, kernel=None):
    ratio = f"{seconds / base:9.1f}x" if base else " " * 10
    k = f"  (kernel {kernel:8.4f} s)" if kernel is not None and not math.isnan(kernel) else ""
    print(f"  {label:<34} {seconds:9.3f} s {ratio}{k}")


def main():
    if sys.argv[1] == "--child":
        name, d, samples = sys.argv[2], sys.argv[3], int(sys.argv[4])
        print(json.dumps(CHILDREN[name](d, samples)))
        return
    d, binary, bench = sys.argv[1], sys.argv[2], sys.argv[3]
    samples = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[4] == "--samples" else 10000
    failures = []

    # (a) noisy-OR Bayesian network: forward sampling against Monte Carlo.
    print(f"(a) noisy-OR Bayesian network, 1,000 nodes, {samples:,} samples / runs")
    runs = ["--runs", str(samples)]
    w_wall, w = whatif(binary, d, "bn.whatif", runs)
    w_kernel = whatif_kernel(bench, d, "bn.whatif", runs)
    g = peer("pgmpy", d, samples)
    line("whatif eval (Monte Carlo)", w_wall, kernel=w_kernel)
    line("pgmpy forward_sample", g["wall"], w_wall, g["kernel"])
    zs = []
    for name, p in g["marginals"].items():
        q = w["events"][f"bn.{name}"]["probability"]
        pooled = (p + q) / 2
        if 0 < pooled < 1:
            zs.append(abs(p - q) / math.sqrt(pooled * (1 - pooled) * 2 / samples))
    worst = max(zs)
    beyond = sum(z > 1.96 for z in zs) / len(zs)
    ok = worst < 5 and beyond < 0.08
    print(
        f"  marginals: largest |z| {worst:.2f} over {len(zs)} nodes, {beyond:.1%} beyond 1.96 "
        f"(5% expected) -> {'agree' if ok else 'DISAGREE'} within Monte Carlo error"
    )
    if not ok:
        failures.append("bn")

    # (b) fuzzy cognitive map: synchronous update, no draws.
    print("\n(b) fuzzy cognitive map, 1,000 concepts, 5,000 links, sigmoid, 100 steps")
    w_wall, w = whatif(binary, d, "fcm.whatif")
    w_kernel = whatif_kernel(bench, d, "fcm.whatif")
    ours = [w["factors"][f"fcm.c{i}"]["mean"] for i in range(len(w["factors"]))]
    line("whatif eval (one run, exact)", w_wall, kernel=w_kernel)
    for name in ["numpy", "scipy"]:
        r = peer(name, d, samples)
        line(f"{name} ({'dense' if name == 'numpy' else 'sparse'})", r["wall"], w_wall, r["kernel"])
        a, rel = max_diff(ours, r["values"])
        print(f"    largest difference {a:.2e} -> {'same to 1e-9' if rel <= 1e-9 else 'DIFFERENT'}")
        if rel > 1e-9:
            failures.append(name)

    # (c) system dynamics: stocks and linear flows, Euler.
    print("\n(c) system dynamics, 1,000 stocks, 2,000 linear flows, 100 steps")
    w_wall, w = whatif(binary, d, "sd.whatif")
    w_kernel = whatif_kernel(bench, d, "sd.whatif")
    ours = [w["factors"][f"sd.s{i}"]["mean"] for i in range(len(w["factors"]))]
    line("whatif eval (one run, exact)", w_wall, kernel=w_kernel)
    for name, label in [("pysd", "PySD (translate + run)"), ("bptk", "BPTK-Py (Rust backend)")]:
        r = peer(name, d, samples)
        line(label, r["wall"], w_wall, r["kernel"])
        a, rel = max_diff(ours, r["values"])
        print(
            f"    largest difference {a:.2e} (relative {rel:.2e}) -> "
            f"{'same to 1e-9' if rel <= 1e-9 else 'DIFFERENT'}"
        )
        if rel > 1e-9:
            failures.append(name)
    print("\nratios are the peer's end-to-end time over whatif's (higher: whatif faster)")
    if failures:
        sys.exit(f"disagreement: {', '.join(failures)}")


if __name__ == "__main__":
    main()
