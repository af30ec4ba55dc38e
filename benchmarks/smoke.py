"""``--smoke``: every benchmark's tiny run, which checks that it still works.

A smoke run replaces the benchmark's sizes with tiny ones so that it finishes in
seconds (tests/test_benchmarks_smoke.py runs each one in ``make test``): a refactor
that breaks a benchmark fails the suite. Its numbers measure nothing; never put
them in benchmarks/README.md.
"""

import argparse


def parse_args(parser: argparse.ArgumentParser, tiny: dict[str, object]) -> argparse.Namespace:
    """Parse the command line; with ``--smoke``, the options named in ``tiny`` take its values."""
    sizes = ", ".join(f"--{name.replace('_', '-')} {value}" for name, value in tiny.items())
    parser.add_argument("--smoke", action="store_true", help=f"a tiny run that checks the benchmark works ({sizes})")
    args = parser.parse_args()
    if args.smoke:
        for name, value in tiny.items():
            setattr(args, name, value)
    return args
