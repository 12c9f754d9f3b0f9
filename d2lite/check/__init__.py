"""Feedback for exercises and labs: checks that say what is wrong.

Each ``check_*`` function takes a student's answer, raises `CheckFailed` with a
message that names the problem (a wrong shape, leaked future data, a metric
out of range) and what was expected, and returns a short "Correct" message
otherwise, so a notebook cell shows immediate, specific feedback::

    from d2lite import check
    check.check_vocab(token_to_idx, tokens)

The checks live in one module per group of notebooks, in the order of the
notebooks: `sequences` (01), `language` (02-04), `gated` (05-06),
`architectures` (07-08), `stocks` (09) and `ising` (10); `_core` holds what they
share. Importing this package does not import Keras: the checks that need it
import it when they run.
"""

from d2lite.check._core import CheckFailed
from d2lite.check.architectures import check_bidirectional, check_stacked_num_params
from d2lite.check.gated import check_gru_step, check_lstm_step
from d2lite.check.ising import check_ising_crossing, check_ising_labels, check_ising_model
from d2lite.check.language import check_clip_gradients, check_perplexity, check_vocab
from d2lite.check.sequences import check_k_step_forecast
from d2lite.check.stocks import (
    check_stock_baselines,
    check_stock_metrics,
    check_stock_scaler,
    check_stock_split,
    check_stock_windows,
)

__all__ = [
    "CheckFailed",
    # 01 sequences
    "check_k_step_forecast",
    # 02 tokenization, 03 language models, 04 RNNs
    "check_vocab",
    "check_perplexity",
    "check_clip_gradients",
    # 05 GRU, 06 LSTM
    "check_gru_step",
    "check_lstm_step",
    # 07 bidirectional, 08 deep RNNs
    "check_bidirectional",
    "check_stacked_num_params",
    # 09 stock lab
    "check_stock_scaler",
    "check_stock_windows",
    "check_stock_split",
    "check_stock_metrics",
    "check_stock_baselines",
    # 10 Ising lab
    "check_ising_labels",
    "check_ising_model",
    "check_ising_crossing",
]
