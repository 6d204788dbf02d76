"""Dataset throughput: texts/s explaining tweet-length texts one at a time vs packed, and on a Dask cluster.

All measured in one run of this script (medians of --repeats), with the embedded demo model:
  (a) per-text loop: Explainer.attribute for each text (fresh cache each run),
  (b) packed: explain_dataset, many texts' rows in shared forward passes (fresh cache each run),
  (c) with --workers N: explain_dataset on a LocalCluster of N single-thread worker processes, each with
      the model already loaded (the first, warm-up run loads it), and the per-worker overhead: the time a
      worker spends outside its own explain calls, per worker, from (c) against N x one thread of (b).

    python benchmarks/bench_dataset.py                              # CPU
    python benchmarks/bench_dataset.py --device cuda --texts 2000   # a GPU
    python benchmarks/bench_dataset.py --workers 2
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time

import torch

import shap_widget as sw
from shap_widget.demo import load_sentiment_model
from shap_widget.engine.explain import Explainer

WORDS = ("so good love hate this the new update phone game today tonight again really never always traffic "
         "rain sun coffee work team win lost happy sad tired fun boring great awful thanks everyone what a day "
         "my our best worst show movie song night morning").split()


def tweets(n: int, seed: int = 0) -> list[str]:
    """Tweet-length texts (8 to 20 words)."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 20))) for _ in range(n)]


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=200)
    parser.add_argument("--max-evals", type=int, default=100)
    parser.add_argument("--method", default="auto")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0, help="also run on a LocalCluster of this many workers")
    parser.add_argument("--threads", type=int, default=0, help="torch threads in this process (0: torch's default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model, tok = load_sentiment_model()
    model = model.to(args.device)
    texts = tweets(args.texts)
    options = {"method": args.method, "max_evals": args.max_evals}

    def loop() -> None:
        ex = Explainer(model, tok)
        for t in texts:
            ex.attribute(t, **options)

    def packed() -> None:
        sw.explain_dataset(model, tok, texts, explainer=Explainer(model, tok), progress_bar=False, **options)

    print(f"machine: {platform.machine()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}, "
          f"device {args.device}" + (f" ({torch.cuda.get_device_name()})" if args.device.startswith("cuda") else ""))
    print(f"{args.texts} texts of 8-20 words, method={args.method}, max_evals={args.max_evals}, "
          f"median of {args.repeats}")
    packed()  # warm-up
    t_loop, t_packed = timed(loop, args.repeats), timed(packed, args.repeats)
    rows = [("per-text loop", t_loop), ("packed", t_packed)]
    if args.workers:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          silence_logs=40) as cluster, Client(cluster) as client:
            def on_cluster() -> None:
                sw.explain_dataset(model, tok, texts, client=client, model_loader=load_sentiment_model,
                                   progress_bar=False, chunk_size=16, **options)

            on_cluster()  # warm-up: every worker loads the model once
            t_cluster = timed(on_cluster, args.repeats)
        torch_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        t_one_thread = timed(packed, 1)
        torch.set_num_threads(torch_threads)
        rows += [("packed, 1 thread", t_one_thread), (f"LocalCluster x{args.workers}", t_cluster)]
    print(f"{'':24s} {'seconds':>9s} {'texts/s':>9s} {'vs loop':>8s}")
    for name, t in rows:
        print(f"{name:24s} {t:9.2f} {args.texts / t:9.1f} {t_loop / t:7.2f}x")
    if args.workers:
        ideal = t_one_thread / args.workers
        print(f"per-worker overhead: {(t_cluster - ideal):.2f} s per run over an ideal split of the 1-thread time "
              f"({100 * (t_cluster - ideal) / ideal:.0f}%); cluster speed-up over 1 thread: "
              f"{t_one_thread / t_cluster:.2f}x with {args.workers} workers")


if __name__ == "__main__":
    main()
