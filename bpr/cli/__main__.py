"""``python -m bpr.cli``: the same as the ``tetsuzuki`` command."""

from bpr.cli import main

if __name__ == "__main__":  # not when a spawned process (the report's chart process) imports it
    main()
