"""`python -m bench [section ...]`: run the benchmark sections (all by default) and print their figures."""

import importlib
import logging
import os
import sys

# Add a section by adding its module here; each exposes `run()` and stops by itself.
SECTIONS = [
    "bench.scriptd",
    "bench.catalog",
    "bench.neighbour",
    "bench.bridges",
    "bench.try_round_trip",
    "bench.identity",
    "bench.imports",
    "bench.circuit",
    "bench.mongo_peer",
    "bench.canary",
    "bench.shadow",
]


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    # The figures are the output: one INFO line per fresh run (the client's run log) would bury them.
    logging.getLogger("scriptd_client").setLevel(logging.WARNING)
    chosen = [s for s in SECTIONS if not argv or s.rsplit(".", 1)[-1] in argv]
    for name in chosen:
        print(f"== {name}")
        importlib.import_module(name).run()


if __name__ == "__main__":
    main(sys.argv[1:])
