"""Time per training step of d2lite's LSTM and GRU language models at equal units and data.

    .venv/bin/python benchmarks/gru_lstm.py                    # TensorFlow, 128 units
    KERAS_BACKEND=jax .venv/bin/python benchmarks/gru_lstm.py --units 256 --steps 40

The slides call the GRU "a simplified LSTM (faster)": three blocks of weights instead of four,
so 3/4 of the multiply-adds. This prints, for the LSTM, the GRU of the slides
(`reset_after=False`), Keras's default GRU form (`reset_after=True`) and, for the record, the
slides' GRU written with two slices of the recurrent kernel per step (d2lite's form before
it split the kernel once), the parameters, the multiply-adds per step and the median wall and
processor time of one training step on the same batch (Time Machine characters, the LSTM
recipe's batches). The models take their steps in turn, so a busy moment of the machine
hits all of them alike; report the ratios to the LSTM, not the raw times.
"""

import argparse
import os

import keras
import numpy as np
from keras import ops

from d2lite import layers, networks, sequences, text, training


class SlicedGRUCell(layers.GRUCell):
    """The slides' GRU step with two slices of the recurrent kernel per step (the old form)."""

    def gates(self, inputs, states):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        units = self.units
        x_z, x_r, x_h = ops.split(self._project_inputs(inputs), 3, axis=-1)
        h_zr = ops.matmul(h_prev, self.recurrent_kernel[:, : 2 * units])
        z = self.recurrent_activation(x_z + h_zr[:, :units])
        r = self.recurrent_activation(x_r + h_zr[:, units:])
        h_tilde = self.activation(x_h + ops.matmul(r * h_prev, self.recurrent_kernel[:, 2 * units:]))
        return {"Z": z, "R": r, "H_tilde": h_tilde, "H": z * h_prev + (1 - z) * h_tilde}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=128)
    parser.add_argument("--steps", type=int, default=30, help="timed steps per model")
    args = parser.parse_args(argv)
    corpus, vocab = text.load_corpus_time_machine(token="char")
    settings = networks.recipe("lstm")
    data = sequences.lm_dataset(corpus, settings["batch_size"], settings["num_steps"], seed=0)
    X, Y = (ops.convert_to_numpy(t) for t in next(iter(data)))
    cells = {
        "LSTM": lambda: layers.LSTMCell(args.units),
        "GRU, slides' form": lambda: layers.GRUCell(args.units),
        "GRU, reset_after=True": lambda: layers.GRUCell(args.units, reset_after=True),
        "GRU, slides' form, sliced": lambda: SlicedGRUCell(args.units),
    }
    models = {}
    for name, make in cells.items():
        keras.utils.set_random_seed(0)
        models[name] = networks.language_model(len(vocab), cell=make(), learning_rate=0.01)
    times = training.step_times(models, X, Y, steps=args.steps)
    wall = {name: t["wall"] for name, t in times.items()}
    work = {name: t["process"] for name, t in times.items()}
    print(f"{keras.backend.backend()}, {args.units} units, batch {tuple(X.shape)}, "
          f"median of {args.steps} steps (pid {os.getpid()})")
    print(f"{'cell':27} {'parameters':>10} {'mult-adds':>10} {'wall ms':>8} {'ratio':>6} "
          f"{'proc ms':>8} {'ratio':>6}")
    lstm_wall, lstm_work = np.median(wall["LSTM"]), np.median(work["LSTM"])
    for name, model in models.items():
        w, p = np.median(wall[name]), np.median(work[name])
        params, adds = model.get_layer("rnn_1").count_params(), networks.multiply_adds_per_step(model)
        print(f"{name:27} {params:10,d} {adds:10,d} "
              f"{1000 * w:8.1f} {w / lstm_wall:6.2f} {1000 * p:8.1f} {p / lstm_work:6.2f}")


if __name__ == "__main__":
    main()
