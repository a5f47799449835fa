"""The ``linli`` console command: the management commands users need, under one name.

``linli seed --scale demo``, ``linli audit verify``, ``linli coverage``, ``linli serve`` …
Any Django management command works too (``linli migrate``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    # `linli audit verify` reads better than `linli audit_verify`.
    if len(args) >= 3 and args[1] == "audit":
        args = [args[0], f"audit_{args[2]}", *args[3:]]
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
