"""Train each language-model recipe of `d2lite.networks.RECIPE` and print how it does.

    .venv/bin/python benchmarks/lm_recipe.py                    # rnn, gru and lstm
    .venv/bin/python benchmarks/lm_recipe.py --cells gru lstm --seed 1

For each cell: the character-level language model of notebooks 04-06 (one-hot ->
`keras.layers.RNN` of the d2lite cell -> Dense), trained with the recipe's `units`,
`num_steps`, `batch_size`, `learning_rate` and `epochs` on the Time Machine, the last
10% held out, as the notebooks do (random sampling, Adam, global norm clipped at 1).
One line per cell: the held-out perplexity after every epoch, the first epoch (and
seconds) at which it is <= 5.0, the series' target for the gated cells, and the
training time, median per epoch and total (validation included; the total includes the
first epoch's tracing). On the TensorFlow backend unless KERAS_BACKEND says otherwise.
The machine is noisy: compare lines of one run, and rerun with other seeds.
"""

import argparse
import os
import statistics
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402

from d2lite import networks, sequences, text, training  # noqa: E402

TARGET = 5.0


def train_recipe(cell, corpus, vocab_size, seed, epochs=None):
    """Train `cell`'s recipe; return (settings, validation perplexities, EpochTimer)."""
    settings = networks.recipe(cell)
    if epochs is not None:
        settings["epochs"] = epochs
    train, val = sequences.train_val_split(corpus, val_fraction=0.1)
    keras.utils.set_random_seed(seed)
    train_ds = sequences.lm_dataset(train, settings["batch_size"], settings["num_steps"],
                                    seed=seed)
    val_ds = sequences.lm_dataset(val, settings["batch_size"], settings["num_steps"],
                                  shuffle=False)
    model = networks.language_model(vocab_size, cell=cell)
    timer = training.EpochTimer()
    history = model.fit(train_ds, validation_data=val_ds, epochs=settings["epochs"],
                        shuffle=False, verbose=0, callbacks=[timer])
    return settings, history.history["val_perplexity"], timer


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", nargs="+", default=list(networks.RECIPE),
                        choices=list(networks.RECIPE), help="default: every recipe")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=None,
                        help="override the recipes' epochs (default: each recipe's own)")
    args = parser.parse_args(argv)
    corpus, vocab = text.load_corpus_time_machine(token="char")
    print(f"backend {keras.backend.backend()}, seed {args.seed}; held-out perplexity after "
          f"each epoch; first epoch <= {TARGET}; seconds per epoch (median) and in total")
    for cell in args.cells:
        settings, val_ppl, timer = train_recipe(cell, corpus, len(vocab), args.seed,
                                                args.epochs)
        reached = next((i for i, p in enumerate(val_ppl) if p <= TARGET), None)
        at = ("never" if reached is None else
              f"epoch {reached + 1} ({sum(timer.times[:reached + 1]):.1f} s)")
        recipe = (f"units {settings['units']} steps {settings['num_steps']} batch "
                  f"{settings['batch_size']} lr {settings['learning_rate']}")
        print(f"{cell:4} [{recipe}] val ppl {' '.join(f'{p:.2f}' for p in val_ppl)} | "
              f"<= {TARGET}: {at} | {statistics.median(timer.times):.1f} s/epoch, "
              f"{timer.total:.1f} s total", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
