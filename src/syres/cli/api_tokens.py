"""`syres api token …`: tokens for the REST API."""

from __future__ import annotations

import click

from syres.cli.django_setup import setup_django


@click.group(name="api")
def api_group() -> None:
    """The REST API (/api/, OpenAPI at /api/openapi.json)."""


@api_group.group(name="token")
def token_group() -> None:
    """API tokens: create, list, revoke."""


@token_group.command(name="create")
@click.option("--user", "username", required=True, help="The account the token acts for.")
@click.option("--name", required=True, help="What the token is for (e.g. the integration's name).")
@click.option("--scope", "scopes", multiple=True, required=True, help="A right; repeat for more.")
def create_command(username: str, name: str, scopes: tuple[str, ...]) -> None:
    """Create a token; it is printed once and never shown again."""
    setup_django()
    from django.utils import timezone

    from syres.api.services import UnableToCreateToken, create_token

    try:
        issued = create_token(username=username, name=name, scopes=list(scopes), now=timezone.now())
    except UnableToCreateToken as error:
        raise click.ClickException(str(error)) from error
    click.echo(issued.plaintext)
    click.echo(
        f"(jeton {issued.token.key_prefix} créé; conservez-le : il ne sera plus affiché)", err=True
    )


@token_group.command(name="list")
def list_command() -> None:
    """List tokens (prefix, user, scopes, state)."""
    setup_django()
    from syres.api.selectors import list_tokens

    for token in list_tokens():
        state = f"révoqué le {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "actif"
        scopes = ",".join(token.scopes)
        user = token.user.get_username()
        click.echo(f"{token.key_prefix}  {user:<16} {scopes:<40} {state}  {token.name}")


@token_group.command(name="revoke")
@click.argument("prefix")
def revoke_command(prefix: str) -> None:
    """Revoke the token with this PREFIX."""
    setup_django()
    from django.utils import timezone

    from syres.api.services import revoke_token

    if not revoke_token(key_prefix=prefix, now=timezone.now()):
        raise click.ClickException(f"aucun jeton actif de préfixe {prefix}")
    click.echo(f"jeton {prefix} révoqué")
