"""XLA or not: epoch time of the language-model recipes with and without `jit_compile`.

    python benchmarks/jit_compile.py [rnn gru lstm] [--rounds 4]

For each cell, builds the recipe's language model twice (`jit_compile=False` and
`True`, same weights) and trains them for one epoch of the Time Machine in turns,
alternating which goes first, so other load on the machine falls on both alike.
Prints the median epoch time of each and the median of the paired ratios
(XLA / no XLA). This is the measurement behind `language_model`'s default
(`jit_compile=None`: no XLA on TensorFlow, XLA elsewhere). Run it once per
backend (`KERAS_BACKEND=jax python benchmarks/jit_compile.py`).
"""

import argparse
import statistics
import time

import keras

from d2lite import networks, sequences, text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cells", nargs="*", default=["rnn", "gru", "lstm"])
    parser.add_argument("--rounds", type=int, default=4, help="epochs per setting")
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(0)
    corpus, vocab = text.load_corpus_time_machine(token="char")
    train, _ = sequences.train_val_split(corpus, val_fraction=0.1)
    print(f"backend {keras.backend.backend()}; one epoch of the recipe; median of {args.rounds}")
    print(f"{'cell':6} {'no XLA s':>9} {'XLA s':>7} {'XLA / no XLA':>13}")
    for cell in args.cells:
        settings = networks.recipe(cell)
        data = sequences.lm_dataset(train, settings["batch_size"], settings["num_steps"], seed=4)
        models = {jit: networks.language_model(len(vocab), cell=cell, jit_compile=jit)
                  for jit in (False, True)}
        models[True].set_weights(models[False].get_weights())
        for model in models.values():  # trace and compile outside the timings
            model.fit(data.take(3), epochs=1, verbose=0)
        times = {False: [], True: []}
        for r in range(args.rounds):
            for jit in (False, True) if r % 2 == 0 else (True, False):
                start = time.perf_counter()
                models[jit].fit(data, epochs=1, verbose=0)
                times[jit].append(time.perf_counter() - start)
        ratio = statistics.median(a / b for a, b in zip(times[True], times[False]))
        print(f"{cell:6} {statistics.median(times[False]):9.2f} {statistics.median(times[True]):7.2f}"
              f" {ratio:13.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
