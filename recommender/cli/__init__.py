"""The ``reskill`` command. Every module in this package registers its commands on ``app``."""

from __future__ import annotations

import importlib
import pkgutil

from recommender.cli._app import app

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")


def main() -> None:
    app()


__all__ = ["app", "main"]
