"""The command line. `main` is the console script: it imports the app inside, so a Ctrl-C while the
commands load, or while options are parsed, still ends with one line and exit 130."""


def main() -> None:
    import sys

    try:
        from vsi100k.cli.app import app
        from vsi100k.cli.options import EXIT_INTERRUPTED, REPORTED
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: stopped while starting; nothing was done\n")
        raise SystemExit(130) from None
    try:
        app()
    except SystemExit as exit:
        if exit.code == EXIT_INTERRUPTED and EXIT_INTERRUPTED not in REPORTED:  # typer's own silent 130
            sys.stderr.write("interrupted: stopped before any work started; nothing was written\n")
        raise
