"""The command line: thin typer commands over the library.

``main()`` is the installed entry point. It turns any unexpected exception into exit 1
with a traceback of code locations only: exception messages and local variables can hold
patient values, so neither is printed (set ``PML_TRIALS_DEBUG=1`` to see everything).
"""

from __future__ import annotations

import gc
import os
import sys

from pml_trials.errors import ExitCode, PmlTrialsError


def main(fast: bool = True) -> None:
    """Run ``pml-trials``. A plain ``screen`` command line skips typer (:mod:`.fast`);
    ``fast=False`` sends every command line through typer (tests compare the two)."""
    _standard_streams()
    # Start-up makes some 100,000 objects that live until exit (modules, classes, the
    # studies): the collector would go through them some 35 times, ~10 ms of a one-file
    # screen. It resumes once they are made (collect_garbage), with them set aside.
    gc.disable()
    args = sys.argv[1:]
    from pml_trials.cli.fast import screen_arguments

    plain = screen_arguments(args) if fast else None
    if plain is None:
        from pml_trials.cli.commands import application  # typer: about half of start-up

        collect_garbage()
    from pml_trials.stopping import exit_code, unwind_on_signals

    unwind_on_signals()
    try:
        if plain is not None:
            from pml_trials.cli.fast import run

            run(plain)
        else:
            application(args)(prog_name="pml-trials")  # type: ignore[possibly-undefined]
    except SystemExit:
        raise
    except KeyboardInterrupt as exc:
        from pml_trials.stopping import Stopped

        _say(
            f"pml-trials: stopped by {exc.name}\n"
            if isinstance(exc, Stopped)
            else "pml-trials: interrupted\n"
        )
        sys.exit(exit_code(exc))
    except PmlTrialsError as error:  # raised outside a command's user_errors()
        from pml_trials.terminal import safe

        _say(safe(f"error: {error.render()}") + "\n")
        sys.exit(error.exit_code)
    except BaseException as exc:
        if os.environ.get("PML_TRIALS_DEBUG"):
            raise
        from pml_trials.files.failure import is_environment, reason

        if is_environment(exc):
            _say(f"pml-trials: stopped: {reason(exc)}. This is not a problem with your data.\n")
            sys.exit(ExitCode.ENVIRONMENT)
        _say(internal_error_report(exc))
        sys.exit(ExitCode.INTERNAL)


def collect_garbage() -> None:
    """Let the garbage collector run again after start-up (:func:`main` stops it), with
    everything made so far moved out of its way (``gc.freeze``): a long batch would
    otherwise go through the modules and studies at each full collection. Nothing when
    it was not stopped (a test calling a command in-process)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


class _Closed:
    """Stands for a standard stream that was closed when the process started
    (``>&-``): any use is an environment failure, not an AttributeError."""

    def __getattr__(self, name: str) -> object:
        import errno

        raise OSError(errno.EBADF, "closed")

    def isatty(self) -> bool:
        return False

    def flush(self) -> None:  # the interpreter flushes at exit: nothing was written
        pass


def _standard_streams() -> None:
    import signal

    if hasattr(signal, "SIGXFSZ"):  # ulimit -f: EFBIG from write(), not a silent kill
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, _Closed())


def _say(text: str) -> None:
    """Last words on stderr; a closed or full stderr cannot make them fail."""
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def internal_error_report(exc: BaseException) -> str:
    """Where the bug happened, without the exception's message or any variable."""
    import traceback  # 5 ms (linecache, tokenize): only when something went wrong

    frames = traceback.extract_tb(exc.__traceback__)
    lines = [
        f"pml-trials: internal error ({type(exc).__name__}); this is a bug in pml-trials, "
        "not a problem with your data.",
        "Where it happened (values are not shown, to keep patient data out of reports):",
    ]
    lines += [f"  {f.filename}:{f.lineno} in {f.name}" for f in frames[-8:]]
    lines.append("Please report it with the command you ran. PML_TRIALS_DEBUG=1 shows more.")
    return "\n".join(lines) + "\n"
