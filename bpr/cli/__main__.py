"""``python -m bpr.cli``: the same as the ``tetsuzuki`` command."""

from bpr.cli import main

main()
