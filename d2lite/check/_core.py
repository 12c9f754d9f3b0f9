"""What every check shares: the failure, the success message, and the diagnosis of mistakes.

A check computes the right answer, and for the wrong answers that students commonly
write, the value each one gives. `_diagnose` compares the student's answer with those
values and, when it matches one, fails with the message that names that mistake.

A student's code is untrusted wherever it is checked. It runs only through `_call`,
which checks that it can be called as the exercise calls it, runs it under a time
limit (`_limited`) and turns whatever it raises into a `CheckFailed` that says what
was called with what (the original exception is kept as `__cause__`). What it returns
is read only through `_array`, `_scalar` and `_number`, which accept numbers and
arrays of numbers and fail, naming what they got, on anything else: None, strings,
booleans, objects that are not numbers (whatever their ``__eq__`` says), NaN and
infinity. The checks compute their references from their own arrays, before calling
the student's code, and give the student copies.

The time limit
--------------
Each call of a student's function may take at most `d2lite.check.TIMEOUT` seconds
(10 by default); every check that calls a student's code also takes ``timeout=``.
``math.inf`` means no limit. The limit uses ``SIGALRM`` (``signal.setitimer``): an
exception is raised inside the student's code when the time is up, and the previous
handler and timer are restored afterwards, also when the student's code raises, and
limits nest. Where ``SIGALRM`` is unavailable (Windows) or outside the main thread,
student code runs without a limit. Jupyter runs cells in the main thread, so the
limit works in notebooks. Code that catches *every* exception (``except:`` or
``except BaseException:``) inside an endless loop cannot be stopped this way.
"""

import inspect
import math
import numbers
import signal
import sys
import threading
import time
import traceback

import numpy as np

from d2lite import _validate

DEFAULT_TIMEOUT = 10.0  # seconds per call of a student's code; see d2lite.check.TIMEOUT


class CheckFailed(AssertionError):
    """A student's answer is wrong; the message says how."""


CheckFailed.__module__ = "d2lite.check"  # shown (and pickled) as before the split


def _fail(message, *, cause=None):
    """Raise CheckFailed(message), chained to `cause` (the student's exception) if given."""
    error = CheckFailed(message)
    if cause is not None:
        raise error from cause
    raise error


def _ok(what):
    return f"Correct: {what}"


def _same(answer, value, *, rtol=1e-5, atol=1e-8):
    """Whether `answer` equals `value` within tolerances, with the same shape.

    Lists and tuples on both sides are compared element by element, so a list of
    arrays of different shapes (gradients) or a pair `(H_t, C_t)` works too; a value
    that is not numeric is never the same.
    """
    if isinstance(answer, (list, tuple)) and isinstance(value, (list, tuple)):
        return len(answer) == len(value) and all(
            _same(a, v, rtol=rtol, atol=atol) for a, v in zip(answer, value))
    try:
        answer, value = np.asarray(answer, dtype=float), np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return answer.shape == value.shape and bool(np.allclose(answer, value, rtol=rtol, atol=atol))


def _diagnose(answer, mistakes, *, rtol=1e-5, atol=1e-8, say=None, otherwise=None):
    """Fail with the message of the first known mistake that `answer` reproduces.

    Args:
        answer: the student's (wrong) answer.
        mistakes: pairs `(value, what)`: the value a known mistake gives, and what the
            message says about it.
        rtol, atol: the tolerances of `_same`.
        say: turns `what` into the message (default: `what` as it is).
        otherwise: the message when no mistake matches (default: return, so that the
            caller can say something more specific).

    Raises:
        CheckFailed: for a known mistake, or with `otherwise`.
    """
    for value, what in mistakes:
        if _same(answer, value, rtol=rtol, atol=atol):
            _fail(what if say is None else say(what))
    if otherwise is not None:
        _fail(otherwise)


# ----------------------------------------------------------------- the time limit


class _TimedOut(BaseException):
    """Raised inside a student's code when its time is up.

    Not an `Exception`, so that an ``except Exception:`` in the student's code does not
    swallow it; its traceback shows where the code was when the time ran out.
    """


class _Limit:
    """One active time limit: its deadline (time.monotonic) and whether it still counts."""

    __slots__ = ("deadline", "live")

    def __init__(self, deadline):
        self.deadline, self.live = deadline, True


class _Outside:
    """The SIGALRM handler and timer that were there before the outermost limit."""

    __slots__ = ("deadline", "handler", "interval")

    def __init__(self, handler, deadline, interval):
        self.handler, self.deadline, self.interval = handler, deadline, interval


_limits = []  # the active limits, outermost first
_outside = None  # an _Outside while a limit is active


def _timeout(timeout):
    """The time limit in seconds: `timeout`, or `d2lite.check.TIMEOUT` when it is None."""
    name = "timeout"
    if timeout is None:
        name = "d2lite.check.TIMEOUT"
        timeout = getattr(sys.modules.get("d2lite.check"), "TIMEOUT", DEFAULT_TIMEOUT)
    if (isinstance(timeout, bool) or not isinstance(timeout, numbers.Real)
            or math.isnan(timeout) or not timeout > 0):
        raise _validate.invalid(name, "a positive number of seconds (math.inf: no limit)",
                                timeout)
    return float(timeout)


def _can_limit():
    return (hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")
            and threading.current_thread() is threading.main_thread())


def _arm():
    """Set the timer to the nearest deadline: ours, or the outside timer's if it has a handler."""
    deadlines = [limit.deadline for limit in _limits if limit.live]
    if _outside is not None and _outside.deadline is not None and callable(_outside.handler):
        deadlines.append(_outside.deadline)
    delay = max(min(deadlines) - time.monotonic(), 1e-4) if deadlines else 0.0
    signal.setitimer(signal.ITIMER_REAL, delay)


def _on_alarm(signum, frame):
    if frame is not None and frame.f_code in _BOOKKEEPING:
        signal.setitimer(signal.ITIMER_REAL, 0.01)  # in our own bookkeeping: a moment later
        return
    now = time.monotonic()
    for limit in _limits:  # the outermost expired limit ends its whole call
        if limit.live and limit.deadline <= now:
            signal.setitimer(signal.ITIMER_REAL, 0.1)  # again, should the code swallow it
            error = _TimedOut("the time limit ran out while this line was running")
            error.limit = limit
            raise error
    outside = _outside
    if (outside is not None and outside.deadline is not None and outside.deadline <= now
            and callable(outside.handler)):
        outside.deadline = now + outside.interval if outside.interval else None
        _arm()
        outside.handler(signum, frame)  # the outside timer is due: its handler runs
        return
    _arm()


def _limited(thunk, seconds, on_timeout):
    """`thunk()` with a time limit of `seconds`; when it runs out, `on_timeout(error)`.

    `on_timeout` gets the `_TimedOut` raised in the code (its traceback shows where the
    code was) and raises the CheckFailed. Without SIGALRM (Windows), outside the main
    thread or with `seconds` infinite, `thunk` runs without a limit.
    """
    global _outside
    if math.isinf(seconds) or not _can_limit():
        return thunk()
    outermost = not _limits
    if outermost:
        handler = signal.getsignal(signal.SIGALRM)
        if handler is None:  # installed outside Python: it could not be put back
            return thunk()
        delay, interval = signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            signal.signal(signal.SIGALRM, _on_alarm)
        except (ValueError, OSError):  # not the main interpreter
            signal.setitimer(signal.ITIMER_REAL, delay, interval)
            return thunk()
        _outside = _Outside(handler, time.monotonic() + delay if delay > 0 else None, interval)
    limit = _Limit(time.monotonic() + seconds)
    _limits.append(limit)
    expired = None
    try:
        _arm()
        return thunk()
    except _TimedOut as error:
        limit.live = False
        if getattr(error, "limit", None) is not limit:  # an outer limit's: it ends the outer call
            raise
        expired = error
    finally:
        limit.live = False
        _limits.remove(limit)
        if outermost:
            outside, _outside = _outside, None
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, outside.handler)
            if outside.deadline is not None:  # the outside timer goes on where it was
                signal.setitimer(signal.ITIMER_REAL,
                                 max(outside.deadline - time.monotonic(), 1e-6), outside.interval)
            elif outside.interval:
                signal.setitimer(signal.ITIMER_REAL, outside.interval, outside.interval)
        else:
            _arm()
    on_timeout(expired)


_BOOKKEEPING = frozenset({_limited.__code__, _arm.__code__, _on_alarm.__code__})


# ----------------------------------------------------------------- describing values


def _short(text, limit=40):
    text = repr(text)
    return text if len(text) <= limit else text[:limit - 4] + "...'"


def _describe(value):
    """What `value` is, in a few words, without running any of its own code."""
    if value is None:
        return "None"
    if isinstance(value, (bool, np.bool_)):
        return f"{bool(value)} (a bool)"
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        return f"the string {_short(str(value) if isinstance(value, np.str_) else value)}"
    if type(value) in (int, float, complex) or isinstance(value, np.generic):
        return repr(value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (list, tuple, dict, set)):
        n = len(value)
        items = "entr" + ("y" if n == 1 else "ies") if isinstance(value, dict) else (
            "item" + ("" if n == 1 else "s"))
        return f"{type(value).__name__} with {n} {items}"
    if isinstance(value, type):
        return f"the class {value.__name__}"
    if callable(value):
        return f"the function {getattr(value, '__name__', type(value).__name__)}"
    return f"{type(value).__name__} object"


def _name_of(description):
    """The function's name in a call's description: 'forecast' for 'forecast(predict, ...)'."""
    return description.strip("`").split("(")[0].strip("` ") or "the function"


def _line(fn, error):
    """(line number, source) of the last line of `fn`'s file in `error`'s traceback, or None."""
    code = getattr(fn, "__code__", None)
    if code is None and callable(fn):  # an object with __call__, a functools.partial
        code = getattr(getattr(fn, "func", type(fn).__call__), "__code__", None)
    filename = getattr(code, "co_filename", None)
    if filename is None or error.__traceback__ is None:
        return None
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
    return (frames[-1].lineno, (frames[-1].line or "").strip()) if frames else None


def _where(fn, error):
    """' (at line N: source)' for the line of the student's code that raised `error`."""
    line = _line(fn, error)
    if line is None:
        return ""
    return f" (at line {line[0]}: {line[1]})" if line[1] else f" (at line {line[0]})"


def _message(error):
    try:
        text = str(error)
    except Exception:  # a student's exception whose __str__ fails
        text = ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# ----------------------------------------------------------------- calling student code


def _callable(fn, description):
    """CheckFailed unless `fn` can be called: it should be a function, not its result."""
    if not callable(fn):
        name = _name_of(description)
        _fail(f"{description} cannot be run: `{name}` should be a function, got "
              f"{_describe(fn)}. Pass the function itself, by its name without parentheses, "
              "not what it returns.")


def _signature(fn, args, kwargs, description):
    """CheckFailed unless `fn` accepts the arguments the exercise calls it with."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin without a signature: calling it will tell
        return
    try:
        signature.bind(*args, **kwargs)
    except TypeError as error:
        name = _name_of(description)
        _fail(f"{description} cannot be called: your `{name}` is defined as "
              f"{name}{signature} ({error}). The exercise calls it with {len(args) + len(kwargs)} "
              "argument(s), in the order shown.")


def _timed_out(description, seconds, fn):
    """The `on_timeout` of `_limited` for a call of `fn`: CheckFailed naming the call."""
    def fail(error):
        line = _line(fn, error)
        where = "" if line is None else (
            f" It was running line {line[0]}" + (f" (`{line[1]}`)" if line[1] else "")
            + " when the time ran out.")
        _fail(f"{description} did not return within {seconds:g} s: an endless loop? Look for a "
              f"loop whose condition never becomes false.{where} If the code is only slow, give "
              "the check more time, e.g. timeout=60.", cause=error)

    return fail


def _call(description, fn, *args, timeout=None, hint="", read_only=None, kwargs=None):
    """`fn(*args)` for a student's code, or CheckFailed saying what is wrong.

    Args:
        description: the call as the student should read it, e.g.
            "forecast(predict, history, k=5, tau=2)".
        fn: the student's function.
        timeout: seconds (None: `d2lite.check.TIMEOUT`).
        hint: appended to the message when `fn` raises.
        read_only: the message when `fn` writes into a read-only argument (the check
            passed its arguments read-only to see that), or None.

    Raises:
        CheckFailed: `fn` is not a function or does not take these arguments; it raised
            (the exception is the `__cause__`); it did not return in time.
    """
    kwargs = kwargs or {}
    seconds = _timeout(timeout)
    _callable(fn, description)
    _signature(fn, args, kwargs, description)
    try:
        return _limited(lambda: fn(*args, **kwargs), seconds, _timed_out(description, seconds, fn))
    except CheckFailed:
        raise
    except SystemExit as error:
        _fail(f"{description} called exit() (SystemExit {error}); return the result instead.",
              cause=error)
    except Exception as error:  # whatever a student's code raises
        if read_only is not None and isinstance(error, ValueError) and "read-only" in str(error):
            _fail(f"{read_only} (It wrote into an argument, which the check passes read-only: "
                  f"{_message(error)}{_where(fn, error)}.)", cause=error)
        _fail(f"{description} raised {_message(error)}{_where(fn, error)}{hint}", cause=error)


def _read(what, thunk, *, timeout=None, message=None):
    """`thunk()`, which may run a student's object's own code (``__array__``, a property).

    CheckFailed if it does not finish in time, or if it raises: `message(error)`, by
    default "`what` could not be read: the error".
    """
    seconds = _timeout(timeout)

    def fail(error):
        _fail(f"reading {what} did not finish within {seconds:g} s: does its own code (a "
              "property, __array__, __float__) loop forever?", cause=error)

    try:
        return _limited(thunk, seconds, fail)
    except CheckFailed:
        raise
    except Exception as error:
        _fail(message(error) if message else f"{what} could not be read: {_message(error)}.",
              cause=error)


def _frozen(array):
    """A read-only copy of `array`, for a student's function that must not change it."""
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


# ----------------------------------------------------------------- reading what students return


_NAN_HINT = ("a NaN comes from 0/0, inf - inf or the log of a negative number, an inf from an "
             "overflow (e.g. exp of a large number) or a division by zero")


def _finite(array, what):
    """CheckFailed unless every value of the float array `array` is finite."""
    bad = ~np.isfinite(array)
    if bad.any():
        kinds = " and ".join(k for k, n in (("NaN", np.isnan(array).sum()),
                                            ("infinity", np.isinf(array).sum())) if n)
        _fail(f"{what} holds {kinds} at {int(bad.sum())} of {array.size} position(s), e.g. "
              f"index {tuple(int(i) for i in np.argwhere(bad)[0])}; every value should be a "
              f"finite number ({_NAN_HINT}).")
    return array


def _array(value, what, *, finite=True, empty=False, timeout=None):
    """`value` as a float64 array, or CheckFailed saying that `what` should be one.

    Accepted: numbers, arrays and (nested) lists of numbers, tensors that convert to
    NumPy. Rejected with a message: None, strings, booleans, complex numbers, objects
    that are not numbers, ragged lists; NaN and infinity (unless `finite` is False: the
    caller checks them with `_finite` after the shape); an empty array (unless `empty`).
    The result is a plain ndarray (never a subclass) of float64.
    """
    if value is None:
        _fail(f"{what} should be an array, got None: does the function end with "
              "`return ...`?")
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        _fail(f"{what} should be an array, got {_describe(value)}: return the numbers "
              "themselves, not text.")
    if isinstance(value, (bool, np.bool_)):
        _fail(f"{what} should be an array of numbers, got {_describe(value)}.")

    def unreadable(error):
        text = _message(error)
        if "inhomogeneous" in text:
            text = "its rows have different lengths"
        return f"{what} should be an array, got {_describe(value)} ({text})."

    raw = _read(what, lambda: np.asarray(value), timeout=timeout, message=unreadable)
    kind = raw.dtype.kind
    if kind == "O":
        for item in raw.flat:
            if item is None or isinstance(item, (str, bytes, bool, np.bool_)):
                _fail(f"{what} should be an array of numbers; it holds {_describe(item)}.")
        raw = _read(what, lambda: raw.astype(np.float64), timeout=timeout,
                    message=lambda error: (
                        f"{what} should be an array, got {_describe(value)}"
                        + (f" holding {_describe(raw.flat[0])}" if raw.ndim and raw.size else "")
                        + f" ({_message(error)})."))
        kind = "f"
    if kind == "b":
        _fail(f"{what} should be an array of numbers, got booleans (True/False): "
              f"{_describe(raw)}.")
    if kind in "USa":
        _fail(f"{what} should be an array of numbers, got strings, e.g. "
              f"{_short(str(raw.flat[0])) if raw.size else ''}: return the numbers themselves.")
    if kind == "c":
        _fail(f"{what} should hold real numbers, got complex ones ({_describe(raw)}).")
    if kind not in "iuf":
        _fail(f"{what} should be an array of numbers, got {_describe(raw)}.")
    array = np.array(raw, dtype=np.float64)  # a plain ndarray, a copy
    if array.size == 0 and not empty:
        _fail(f"{what} is empty (shape {array.shape}); it should hold numbers.")
    if finite:
        _finite(array, what)
    return array


def _scalar(value, complaint, *, hint="", call=None, timeout=None):
    """`value` as one finite float, or CheckFailed: the complaint, what it got, the hint.

    Accepted: a real number (Python or NumPy, not a bool) or an array of one. `call`
    names what returned the value, for the message about NaN and infinity.
    """
    def fail(detail):
        _fail(f"{complaint} ({detail}){hint}.")

    if value is None:
        fail("got None: does the function end with `return ...`?")
    if isinstance(value, (bool, np.bool_)):
        fail(f"got {_describe(value)}")
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        fail(f"got {_describe(value)}: return the number itself, not text")
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        fail(f"got the complex number {value!r}")
    if isinstance(value, (numbers.Real, np.number)):
        try:
            number = float(value)
        except OverflowError:
            fail("got an integer too large for a float")
        except (TypeError, ValueError) as error:
            fail(f"got {_describe(value)}: {error}")
    else:
        if isinstance(value, (list, tuple)):
            fail(f"got a {type(value).__name__} of {len(value)} value(s): return one float, not "
                 f"{type(value).__name__!r}")
        raw = _read(complaint, lambda: np.asarray(value), timeout=timeout,
                    message=lambda error: f"{complaint} (got {_describe(value)}, not a number){hint}.")
        if raw.dtype.kind not in "iuf" or raw.size != 1:
            what = (f"an array of shape {raw.shape}" if raw.dtype.kind in "iuf"
                    else _describe(value if not isinstance(value, np.ndarray) else raw))
            fail(f"got {what}, not one number"
                 + (": reduce it to one value, e.g. with np.mean" if raw.size > 1 else ""))
        number = float(raw.reshape(-1)[0])
    if not math.isfinite(number):
        source = call or complaint
        _fail(f"{source} returned {number}, which is not a finite number ({_NAN_HINT}){hint}.")
    return number


def _number(complaint, fn, *args, hint="", call=None, timeout=None):
    """`fn(*args)` as one finite float, or CheckFailed: the complaint, the problem, the hint.

    `fn` runs through `_call` (described by `call`, default ``name(...)``), so that what
    it raises, or an endless loop, is reported too.
    """
    if call is None:
        call = f"{getattr(fn, '__name__', 'the function')}(...)"
    value = _call(call, fn, *args, timeout=timeout, hint=hint)
    return _scalar(value, complaint, hint=hint, call=call, timeout=timeout)


# ----------------------------------------------------------------- the instructor's arguments


def _integer(value, name, minimum=1):
    """An instructor's integer argument (not a bool) >= `minimum`, or ValueError naming it."""
    return _validate.integer(value, name, minimum)


def _given_array(value, name, *, min_size=1):
    """An instructor's argument as a flat float array of finite numbers, or ValueError."""
    expected = f"a 1-D array of at least {min_size} finite number(s)"
    if value is None or isinstance(value, (str, bytes, bool, np.bool_)):
        raise _validate.invalid(name, expected, value)
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raise _validate.invalid(name, expected, _validate.Described(_describe(value))) from None
    if raw.dtype.kind not in "iuf":
        raise _validate.invalid(name, expected, _validate.Described(_describe(raw)))
    array = np.array(raw, dtype=np.float64).ravel()
    if array.size < min_size or not np.isfinite(array).all():
        got = array.tolist() if array.size <= 8 else _validate.Described(
            f"{_describe(raw)} holding {int((~np.isfinite(array)).sum())} NaN or inf")
        raise _validate.invalid(name, expected, got)
    return array


def _given_number(value, name, *, minimum=0.0):
    """An instructor's finite real number (not a bool) >= `minimum`, or ValueError."""
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value < minimum):
        raise _validate.invalid(name, f"a finite number >= {minimum:g}", value)
    return float(value)
