"""Feedback for exercises and labs: checks that say what is wrong.

Each ``check_*`` function takes a student's answer, raises `CheckFailed` with a
message that names the problem (a wrong shape, leaked future data, a metric
out of range) and what was expected, and returns a short "Correct" message
otherwise, so a notebook cell shows immediate, specific feedback::

    from d2lite import check
    check.check_vocab(token_to_idx, tokens)

The checks live in one module per group of notebooks, in the order of the
notebooks: `sequences` (01, and padding and truncation in 04 part 3), `language`
(02-04), `gated` (05-06, and the adding problem of 06 part 2), `architectures` (07-08),
`stocks` (09), `ising` (10) and `seq2seq` (11);
`_core` holds what they share. Importing this package does not import Keras: the
checks that need it import it when they run.

A student's code is untrusted: whatever it does (raise, loop forever, return None,
a string, NaN, an object that claims to equal everything, change its inputs), a
check answers with a `CheckFailed` that says what was called with what and what
went wrong. Each call of a student's function or model may take at most
``TIMEOUT`` seconds (10 by default), after which the check fails with "... did
not return within 10 s: an endless loop?". Every check that calls a student's
code also takes ``timeout=`` (seconds; ``math.inf`` for no limit)::

    check.TIMEOUT = 30                       # for every check from now on
    check.check_gru_step(gru_step, timeout=60)  # for this one

The limit uses ``SIGALRM``: where that does not exist (Windows) or outside the main
thread, student code runs without a limit. Jupyter runs cells in the main thread.

Arguments that the instructor passes (`tau`, `n_train`, `L`, `gap`, ...) are
validated too: a bad one raises `ValueError` naming it and the value received.
"""

from d2lite.check._core import DEFAULT_TIMEOUT, CheckFailed
from d2lite.check.architectures import check_bidirectional, check_stacked_num_params
from d2lite.check.gated import check_adding_problem, check_gru_step, check_lstm_step
from d2lite.check.ising import (
    check_ising_crossing,
    check_ising_labels,
    check_ising_model,
)
from d2lite.check.language import (
    check_bptt,
    check_clip_gradients,
    check_perplexity,
    check_vocab,
)
from d2lite.check.seq2seq import check_beam_search
from d2lite.check.sequences import check_k_step_forecast, check_pad_truncate
from d2lite.check.stocks import (
    check_stock_baselines,
    check_stock_metrics,
    check_stock_scaler,
    check_stock_split,
    check_stock_windows,
)

TIMEOUT = DEFAULT_TIMEOUT
"""Seconds that each call of a student's code may take (``math.inf``: no limit)."""

__all__ = [
    "CheckFailed",
    # 01 sequences
    "check_k_step_forecast",
    # 02 tokenization, 03 language models, 04 RNNs
    "check_vocab",
    "check_perplexity",
    "check_clip_gradients",
    # 04 part 2: backpropagation through time
    "check_bptt",
    # 04 part 3: inputs of different lengths
    "check_pad_truncate",
    # 05 GRU, 06 LSTM
    "check_gru_step",
    "check_lstm_step",
    # 06 part 2: long-range memory
    "check_adding_problem",
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
    # 11 encoder-decoder
    "check_beam_search",
]
