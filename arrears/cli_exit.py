"""How an `arrears` process ends: everything it wrote flushed, its exit code, and no crash.

The Temporal SDK runs its core (Rust, on Tokio) in native threads that the interpreter does
not own. When a process that used a client or a worker ends the usual way, those threads
can still be running while the interpreter tears itself down, and one that then touches the
interpreter aborts the process (`Fatal Python error: PyGILState_Release: thread state ...
must be current when releasing`, exit 134, or a segmentation fault, exit 139) after the
command has already done its work (temporalio/sdk-python#300, open: the SDK's `Runtime`
has no shutdown, a client has no close, and its maintainers expect the cure to lie in the
SDK's own thread clean-up rather than in anything a caller can close).

So a process runs its command, then what the interpreter runs at exit (`atexit`: logging's
flush, multiprocessing's queue feeders and children), flushes stdout and stderr, and ends
with `os._exit`, skipping only the teardown in which those threads crash. Files a command
writes are closed by the command itself (`with`), before it returns.
"""

import atexit
import os
import sys
from collections.abc import Callable
from typing import NoReturn


def run_then_exit(command: Callable[[], object]) -> NoReturn:
    """Run `command` (a click or typer app in standalone mode, which ends by raising
    `SystemExit`), then end the process with its exit code: 0 when it returns, the code of
    its `SystemExit`, 1 after an exception it let out (shown by `sys.excepthook`, so a
    typer app keeps its own traceback display)."""
    try:
        command()
        code = 0
    except SystemExit as stop:
        code = exit_code(stop)
    except BaseException as error:  # shown, then the process ends with 1
        sys.excepthook(type(error), error, error.__traceback__)
        code = 1
    end_process(code)


def exit_code(stop: SystemExit) -> int:
    """The process exit code `stop` stands for, as the interpreter reads it: None is 0, an
    int is itself, anything else is printed to stderr and is 1."""
    if stop.code is None:
        return 0
    if isinstance(stop.code, int):
        return stop.code
    print(stop.code, file=sys.stderr)
    return 1


def end_process(code: int) -> NoReturn:
    """End this process with `code` once everything it wrote is handed over: the exit
    handlers run, stdout and stderr are flushed, and the interpreter's teardown, in which
    the SDK's native threads crash, is skipped."""
    atexit._run_exitfuncs()  # what a normal exit runs first; os._exit would skip it
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be said
            pass
    os._exit(code)
