"""Long-range memory: held-out accuracy of a plain RNN, a GRU and an LSTM against the lag.

    .venv/bin/python benchmarks/long_range.py                        # seed 0, lags 5 20 50 100
    .venv/bin/python benchmarks/long_range.py --seeds 0 1 2 --lags 5 25 50
    .venv/bin/python benchmarks/long_range.py --open-gates 3         # gates that start open
    KERAS_BACKEND=jax .venv/bin/python benchmarks/long_range.py --seeds 0 1 2

The task is `d2lite.sequences.recall_task`: a signal token (one of `--classes`), then
`lag` distractor tokens, and the label is the signal. For every seed and lag, the three
cells of `d2lite.layers` get the same budget: the same data, units, optimizer (Adam,
global norm clipped), learning rate, batch size and number of updates, in the many-to-one
classifier of `d2lite.networks.sequence_classifier` (Embedding -> RNN -> Dense). It
prints the held-out accuracy per cell and lag, chance level (1 / classes: the classes are
balanced), the seconds per row (building, tracing and training the three models) and in
total, and whether the lecture's claim held for the seed: all three cells at least
`--high` at the smallest lag; at the largest lag the plain RNN below chance + `--margin`
and the GRU and the LSTM at least `--high`.

`--open-gates B` starts the gated cells remembering: the LSTM's forget-gate bias b_f and
the GRU's update-gate bias b_z at B (the cells' defaults are b_f = 1, b_z = 0: a fresh
LSTM keeps about sigma(1) = 0.73 of its memory per step, a fresh GRU half). The plain
RNN has no such gate; its recurrent weights start orthogonal, as Keras's do.

On the TensorFlow backend unless KERAS_BACKEND says otherwise; TensorFlow runs without
XLA (`sequence_classifier`'s default on a CPU: faster for these loops), JAX with `jit`.
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

from d2lite import layers, networks, sequences  # noqa: E402

CELLS = {"rnn": layers.SimpleRNNCell, "gru": layers.GRUCell, "lstm": layers.LSTMCell}


def open_gate(cell, bias):
    """Set the LSTM's forget-gate bias b_f, or the GRU's update-gate bias b_z, to `bias`."""
    units = cell.units
    values = keras.ops.convert_to_numpy(cell.bias).copy()
    if isinstance(cell, layers.LSTMCell):
        values[units:2 * units] = bias  # gate order i, f, c, o
    else:
        values[..., :units] = bias  # gate order z, r, h (reset_after: both bias rows)
    cell.bias.assign(values)


def build(cell_name, num_tokens, num_classes, settings):
    """The classifier of `cell_name`, compiled with the shared optimizer settings."""
    cell = CELLS[cell_name](settings["units"])
    model = networks.sequence_classifier(
        num_tokens, num_classes=num_classes, cell=cell, embedding_dim=settings["embedding_dim"],
        mask_zero=False, learning_rate=settings["learning_rate"], clipnorm=settings["clipnorm"],
        name=f"{cell_name}_recall")
    if settings["open_gates"] is not None and cell_name != "rnn":
        open_gate(cell, settings["open_gates"])
    return model


def run(seed, lag, settings, cells=tuple(CELLS)):
    """Train every cell on one seed's data at one lag; return {cell: held-out accuracy}."""
    num_classes, num_distractors = settings["classes"], settings["distractors"]
    n_train, n_test = settings["train"], settings["test"]
    X, y = sequences.recall_task(n_train + n_test, lag, num_classes=num_classes,
                                 num_distractors=num_distractors, seed=1000 * seed + lag)
    accuracy = {}
    for name in cells:
        keras.utils.set_random_seed(seed)
        model = build(name, 1 + num_classes + num_distractors, num_classes, settings)
        model.fit(X[:n_train], y[:n_train], batch_size=settings["batch_size"],
                  epochs=settings["epochs"], verbose=0)
        logits = model.predict(X[n_train:], batch_size=n_test, verbose=0)
        accuracy[name] = float(np.mean(np.argmax(logits, axis=-1) == y[n_train:]))
    return accuracy


def claim(table, lags, chance, high, margin):
    """Whether the lecture's claim held in `table` ({lag: {cell: accuracy}}), and why not."""
    short, long = table[min(lags)], table[max(lags)]
    failures = [f"{c} {short[c]:.2f} < {high} at lag {min(lags)}" for c in short
                if short[c] < high]
    if long["rnn"] >= chance + margin:
        failures.append(f"rnn {long['rnn']:.2f} >= {chance + margin:.2f} at lag {max(lags)}")
    failures += [f"{c} {long[c]:.2f} < {high} at lag {max(lags)}" for c in ("gru", "lstm")
                 if long[c] < high]
    return failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--lags", type=int, nargs="+", default=[5, 20, 50, 100])
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--embedding-dim", type=int, default=8)
    parser.add_argument("--classes", type=int, default=4)
    parser.add_argument("--distractors", type=int, default=16)
    parser.add_argument("--train", type=int, default=1200, help="training sequences")
    parser.add_argument("--test", type=int, default=500, help="held-out sequences")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--learning-rate", type=float, default=0.005)
    parser.add_argument("--clipnorm", type=float, default=1.0)
    parser.add_argument("--open-gates", type=float, default=None, metavar="B",
                        help="start the LSTM's b_f and the GRU's b_z at B (default: the "
                        "cells' own, b_f = 1 and b_z = 0)")
    parser.add_argument("--high", type=float, default=0.9, help="what counts as learned")
    parser.add_argument("--margin", type=float, default=0.15,
                        help="the plain RNN counts as near chance below chance + margin")
    args = parser.parse_args(argv)
    settings = {k: getattr(args, k) for k in (
        "units", "embedding_dim", "classes", "distractors", "train", "test", "batch_size",
        "epochs", "learning_rate", "clipnorm", "open_gates")}
    updates = args.epochs * -(-args.train // args.batch_size)
    chance = 1 / args.classes
    print(f"backend {keras.backend.backend()}; recall after a lag: {args.classes} classes, "
          f"{args.distractors} distractor tokens; {args.train} training / {args.test} held-out "
          f"sequences; {args.units} units, embedding {args.embedding_dim}; Adam lr "
          f"{args.learning_rate}, clipnorm {args.clipnorm}, batch {args.batch_size}, "
          f"{updates} updates; gates "
          f"{'default' if args.open_gates is None else f'open (b = {args.open_gates:g})'}; "
          f"chance {chance:.2f}")
    start = time.perf_counter()
    held = 0
    for seed in args.seeds:
        table = {}
        print(f"seed {seed}:  lag    rnn    gru   lstm  seconds")
        for lag in sorted(args.lags):
            t0 = time.perf_counter()
            table[lag] = run(seed, lag, settings)
            row = "  ".join(f"{table[lag][c]:5.3f}" for c in CELLS)
            print(f"        {lag:5d}  {row}  {time.perf_counter() - t0:7.1f}", flush=True)
        failures = claim(table, args.lags, chance, args.high, args.margin)
        held += not failures
        print(f"        claim {'holds' if not failures else 'fails: ' + '; '.join(failures)}")
    print(f"claim held for {held} of {len(args.seeds)} seeds; total "
          f"{time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
