"""Start Django for the commands that need the database (`syres rate` does not)."""

from __future__ import annotations

import os

import click


def setup_django() -> None:
    """Configure Django once; a bad terms file or database URL ends the command cleanly."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "syres.config.settings")
    import django

    from syres.domain.terms import TermsError

    try:
        django.setup()
    except TermsError as error:
        raise click.ClickException(str(error)) from error
