"""The command line: thin typer commands over the library.

``main()`` is the installed entry point. It turns any unexpected exception into exit 1
with a traceback of code locations only: exception messages and local variables can hold
patient values, so neither is printed (set ``PML_TRIALS_DEBUG=1`` to see everything).
"""

from __future__ import annotations

import os
import sys

from pml_trials.errors import ExitCode


def main() -> None:
    """Run ``pml-trials``."""
    from pml_trials.cli.commands import application

    try:
        application(sys.argv[1:])(prog_name="pml-trials")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write("pml-trials: interrupted\n")
        sys.exit(130)
    except BaseException as exc:
        if os.environ.get("PML_TRIALS_DEBUG"):
            raise
        sys.stderr.write(internal_error_report(exc))
        sys.exit(ExitCode.INTERNAL)


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
