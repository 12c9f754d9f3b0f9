"""Train-step time of the d2lite cells against Keras's built-in layers.

For each backend (one subprocess each, since Keras fixes the backend per process) and
for jit_compile off and on, this times one training step of a character-level language
model (one-hot characters -> recurrent layer -> Dense over the vocabulary) built once
with `keras.layers.RNN(d2lite.layers.XCell(units))` and once with the Keras built-in
(`SimpleRNN`, `GRU(reset_after=False)`, `LSTM`). The two run step by step in turns in
one process, so the load of other processes falls on both alike. Each ratio is
d2lite/built-in, the median over repeats of paired ratios, in wall-clock time and in
process CPU time (the latter is less disturbed by other processes on a busy machine).
Goal: at most 1.05.

It also counts the operations of one forward and backward pass of the two recurrent
layers (TensorFlow graph ops, JAX primitives): when the cell does what the built-in
does, the counts agree and any time difference is noise.

    python benchmarks/cells.py                          # TensorFlow and JAX, ~10 min here
    python benchmarks/cells.py --backends jax --repeats 3 --batch 32
"""

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time

KINDS = ("rnn", "gru", "lstm")


def _recurrent_layers(kind, units):
    """The d2lite RNN layer and the Keras built-in for `kind`."""
    import keras

    from d2lite import layers

    cells = {"rnn": layers.SimpleRNNCell, "gru": layers.GRUCell, "lstm": layers.LSTMCell}
    builtins = {
        "rnn": keras.layers.SimpleRNN,
        "gru": lambda units, **kw: keras.layers.GRU(units, reset_after=False, **kw),
        "lstm": keras.layers.LSTM,
    }
    return {
        "d2lite": keras.layers.RNN(cells[kind](units), return_sequences=True),
        "builtin": builtins[kind](units, return_sequences=True),
    }


def _models(kind, batch, steps, vocab, units, jit_compile):
    """The d2lite and built-in language models for `kind`, compiled, same weights."""
    import keras

    models = {}
    for name, layer in _recurrent_layers(kind, units).items():
        model = keras.Sequential(
            [keras.Input((steps, vocab), batch_size=batch), layer, keras.layers.Dense(vocab)]
        )
        model.compile(
            optimizer=keras.optimizers.SGD(0.1, global_clipnorm=1.0),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            jit_compile=jit_compile,
        )
        models[name] = model
    models["builtin"].set_weights(models["d2lite"].get_weights())
    return models


def _op_counts(layer, x):
    """How many times each op occurs in the layer's forward and backward pass."""
    import keras

    backend = keras.backend.backend()
    layer(x)
    if backend == "tensorflow":
        import tensorflow as tf

        @tf.function
        def forward_backward(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(layer(x) ** 2)
            return tape.gradient(loss, layer.trainable_variables)

        graph = forward_backward.get_concrete_function(x).graph.as_graph_def()
        counts = collections.Counter(node.op for node in graph.node)
        for function in graph.library.function:  # the while-loop bodies
            counts.update(node.op for node in function.node_def)
        counts.pop("Const", None)  # constants are folded away
        return counts
    if backend == "jax":
        import jax

        trainable = [v.value for v in layer.trainable_variables]
        non_trainable = [v.value for v in layer.non_trainable_variables]

        def loss(trainable, x):
            y, _ = layer.stateless_call(trainable, non_trainable, x)
            return (y**2).sum()

        text = str(jax.make_jaxpr(jax.grad(loss))(trainable, x))
        return collections.Counter(re.findall(r"= ([a-z_]+)[\[ ]", text))
    return None


def _time_step(model, x, y):
    wall, cpu = time.perf_counter(), time.process_time()
    model.train_on_batch(x, y)  # returns the loss as a number: the step has finished
    return time.perf_counter() - wall, time.process_time() - cpu


def worker(args):
    """Runs in a subprocess with KERAS_BACKEND set; prints one JSON line of results."""
    import keras
    import numpy as np

    backend = keras.backend.backend()
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, args.vocab, size=(args.batch, args.steps + 1))
    x = np.eye(args.vocab, dtype="float32")[tokens[:, :-1]]
    y = tokens[:, 1:]
    # torch.compile is not what a notebook on this CPU would use.
    jit_modes = (False,) if backend == "torch" else (False, True)

    op_differences = {}
    for kind in KINDS:
        counts = [_op_counts(layer, x[:4, :5]) for layer in _recurrent_layers(kind, 8).values()]
        if counts[0] is not None:
            only_ours, only_builtin = counts[0] - counts[1], counts[1] - counts[0]
            op_differences[kind] = f"+{dict(only_ours)} -{dict(only_builtin)}"

    cases = {}
    for kind in KINDS:
        for jit in jit_modes:
            keras.utils.set_random_seed(0)
            models = _models(kind, args.batch, args.steps, args.vocab, args.units, jit)
            for model in models.values():  # compile and warm up
                for _ in range(2):
                    _time_step(model, x, y)
            cases[(kind, jit)] = models

    times = {case: {"d2lite": [], "builtin": []} for case in cases}
    for repeat in range(args.repeats):
        for case, models in cases.items():
            # Step by step in turns, the first turn alternating.
            total = {"d2lite": np.zeros(2), "builtin": np.zeros(2)}
            for call in range(args.calls):
                turn = ("d2lite", "builtin") if (repeat + call) % 2 == 0 else ("builtin", "d2lite")
                for name in turn:
                    total[name] += _time_step(models[name], x, y)
            for name, seconds in total.items():
                times[case][name].append(seconds / args.calls)

    rows = []
    for (kind, jit), t in times.items():
        ours, builtin = np.array(t["d2lite"]), np.array(t["builtin"])
        ratios = ours / builtin  # columns: wall, cpu
        rows.append(
            {
                "backend": backend,
                "cell": kind,
                "jit_compile": jit,
                "d2lite_ms": 1e3 * float(np.median(ours[:, 0])),
                "builtin_ms": 1e3 * float(np.median(builtin[:, 0])),
                "ratio": float(np.median(ratios[:, 0])),
                "ratio_range": [float(ratios[:, 0].min()), float(ratios[:, 0].max())],
                "cpu_ratio": float(np.median(ratios[:, 1])),
                "op_difference": op_differences.get(kind, "n/a"),
            }
        )
    print(json.dumps(rows))


def main(args):
    rows = []
    for backend in args.backends.split(","):
        env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
        command = [sys.executable, __file__, "--worker"] + sys.argv[1:]
        print(f"timing on {backend} ...", file=sys.stderr, flush=True)
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"the {backend} run failed")
        rows += json.loads(done.stdout.strip().splitlines()[-1])

    print(
        f"train step: batch {args.batch}, {args.steps} steps, {args.vocab}-dim one-hot inputs, "
        f"{args.units} units; medians of {args.repeats} repeats of {args.calls} steps each"
    )
    print(
        f"{'backend':<11}{'cell':<6}{'jit':<7}{'d2lite ms':>10}{'keras ms':>10}"
        f"{'ratio':>8}{'(min-max)':>14}{'cpu ratio':>11}  ops only in d2lite / only in keras"
    )
    for r in rows:
        low, high = r["ratio_range"]
        print(
            f"{r['backend']:<11}{r['cell']:<6}{str(r['jit_compile']):<7}"
            f"{r['d2lite_ms']:>10.1f}{r['builtin_ms']:>10.1f}{r['ratio']:>8.3f}"
            f"{f'({low:.2f}-{high:.2f})':>14}{r['cpu_ratio']:>11.3f}  {r['op_difference']}"
        )
    # Across backends the runs are in different processes, minutes apart: a rough guide.
    print("\nfastest setting for each d2lite cell (across processes, so only roughly):")
    for kind in KINDS:
        best = min((r for r in rows if r["cell"] == kind), key=lambda r: r["d2lite_ms"])
        print(
            f"  {kind:<5} {best['backend']} jit_compile={best['jit_compile']} "
            f"({best['d2lite_ms']:.1f} ms per step)"
        )


def _parse(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="tensorflow,jax",
                        help="comma-separated Keras backends (default: tensorflow,jax)")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=64, help="time steps per sequence")
    parser.add_argument("--vocab", type=int, default=28, help="one-hot input size")
    parser.add_argument("--units", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--calls", type=int, default=4, help="train steps per timing")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = _parse(sys.argv[1:])
    worker(arguments) if arguments.worker else main(arguments)
