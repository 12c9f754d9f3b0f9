"""Long-range memory: how many updates a plain RNN, a GRU and an LSTM need to learn recall.

    .venv/bin/python benchmarks/long_range.py                          # seed 0, lengths 10 20 40 60
    .venv/bin/python benchmarks/long_range.py --seeds 0 1 2 --max-updates 2000
    KERAS_BACKEND=jax .venv/bin/python benchmarks/long_range.py --seeds 0 1 2

The task is `d2lite.sequences.recall_task`: sequences of `length` tokens, one of them a
marker; the label is the token after the marker, asked for after the last token, so a
model must store it and keep it for up to `length - 2` steps while tokens of the same
alphabet go by. For every seed and length, the three cells of `d2lite.layers` get the same
data and settings in the many-to-one classifier of `d2lite.networks.sequence_classifier`
(Embedding -> RNN -> Dense; Adam, global norm clipped; XLA): they train in epochs of
`--per-epoch` updates until the training loss falls below `--loss-below`
(`d2lite.training.StopBelow`) or `--max-updates` run out. It prints, per cell and
length, the updates used (`-` where the budget ran out), the held-out accuracy, and the
seconds; then, per seed, whether the lecture's claim held: every cell learns the shortest
length, and at the longest the plain RNN stays within `--margin` of chance while the GRU
and the LSTM reach `--high`.

Notebook 06, part 2 runs the same experiment (its settings are this script's defaults).
Pin it to one core to time it as the notebook's budget was set:
`taskset -c 1 env OMP_NUM_THREADS=1 TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1
XLA_FLAGS=--xla_cpu_multi_thread_eigen=false`. The machine is noisy: compare lines of
one run.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from d2lite import networks, sequences, training  # noqa: E402

CELLS = ("rnn", "gru", "lstm")


def run(seed, length, args):
    """Train every cell on one seed's data at one length: {cell: (updates or None, accuracy)}."""
    n_train = args.per_epoch * args.batch_size
    X, y, _ = sequences.recall_task(n_train + args.test, length, num_classes=args.classes,
                                    seed=1000 * seed + length)
    result = {}
    for name in CELLS:
        keras.utils.set_random_seed(seed)
        model = networks.sequence_classifier(
            args.classes + 2, num_classes=args.classes, cell=name, units=args.units,
            embedding_dim=args.embedding_dim, mask_zero=False, learning_rate=args.learning_rate,
            clipnorm=args.clipnorm, jit_compile=True)
        stop = training.StopBelow(args.loss_below)
        model.fit(X[:n_train], y[:n_train], batch_size=args.batch_size,
                  epochs=args.max_updates // args.per_epoch, callbacks=[stop], verbose=0)
        logits = model.predict(X[n_train:], batch_size=args.test, verbose=0)
        accuracy = float(np.mean(np.argmax(logits, axis=-1) == y[n_train:]))
        result[name] = (stop.epochs_run * args.per_epoch if stop.stopped else None, accuracy)
    return result


def claim(table, chance, high, margin):
    """Whether the lecture's claim held in `table` ({length: {cell: (updates, accuracy)}})."""
    short, long = table[min(table)], table[max(table)]
    failures = [f"{c} {short[c][1]:.2f} < {high} at length {min(table)}" for c in CELLS
                if short[c][1] < high]
    if long["rnn"][1] >= chance + margin:
        failures.append(f"rnn {long['rnn'][1]:.2f} >= {chance + margin:.2f} at length "
                        f"{max(table)}")
    failures += [f"{c} {long[c][1]:.2f} < {high} at length {max(table)}" for c in ("gru", "lstm")
                 if long[c][1] < high]
    return failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[10, 20, 40, 60])
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--embedding-dim", type=int, default=8)
    parser.add_argument("--classes", type=int, default=4)
    parser.add_argument("--test", type=int, default=1000, help="held-out sequences")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--per-epoch", type=int, default=100, help="updates per epoch")
    parser.add_argument("--max-updates", type=int, default=2000)
    parser.add_argument("--loss-below", type=float, default=0.05)
    parser.add_argument("--learning-rate", type=float, default=0.005)
    parser.add_argument("--clipnorm", type=float, default=1.0)
    parser.add_argument("--high", type=float, default=0.95, help="what counts as learned")
    parser.add_argument("--margin", type=float, default=0.1,
                        help="the plain RNN counts as at chance below chance + margin")
    args = parser.parse_args(argv)
    chance = 1 / args.classes
    print(f"backend {keras.backend.backend()}; recall after a marker: {args.classes} classes, "
          f"{args.per_epoch * args.batch_size} training / {args.test} held-out sequences; "
          f"{args.units} units, embedding {args.embedding_dim}; Adam lr {args.learning_rate}, "
          f"clipnorm {args.clipnorm}, batch {args.batch_size}; until loss < {args.loss_below} "
          f"or {args.max_updates} updates; chance {chance:.2f}")
    start = time.perf_counter()
    held = 0
    for seed in args.seeds:
        table = {}
        print(f"seed {seed}: length " + "".join(f"{c:>16s}" for c in CELLS) + "  seconds")
        for length in sorted(args.lengths):
            t0 = time.perf_counter()
            table[length] = run(seed, length, args)
            row = "".join(f"{'-' if u is None else u:>9} {a:6.3f}"
                          for u, a in table[length].values())
            print(f"        {length:6d} {row}  {time.perf_counter() - t0:7.1f}", flush=True)
        failures = claim(table, chance, args.high, args.margin)
        held += not failures
        print(f"        claim {'holds' if not failures else 'fails: ' + '; '.join(failures)}")
    print(f"claim held for {held} of {len(args.seeds)} seeds; total "
          f"{time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
