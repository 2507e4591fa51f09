"""`syres serve`, `syres demo` and `syres manage`: the web app and Django's own commands."""

from __future__ import annotations

import click

from syres.cli.django_setup import setup_django


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve_command(host: str, port: int, threads: int) -> None:
    """Serve the web app (staff back office, portal, API) with waitress."""
    setup_django()
    from django.core.wsgi import get_wsgi_application
    from waitress import serve

    application = get_wsgi_application()

    click.echo(f"syres : application servie sur http://{host}:{port}/ (Ctrl+C pour arrêter)")
    serve(application, host=host, port=port, threads=threads)


@click.command(
    name="manage",
    context_settings={"ignore_unknown_options": True, "help_option_names": []},
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage_command(args: tuple[str, ...]) -> None:
    """Run a Django management command (`syres manage migrate`, `syres manage shell`…)."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["syres manage", *args])


@click.command(name="demo")
@click.option("--serve/--no-serve", "then_serve", default=True, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_context
def demo_command(context: click.Context, then_serve: bool, host: str, port: int) -> None:
    """Set up the database with the demo data of the terms file, then serve the web app."""
    setup_django()
    from syres.demo.loader import load_demo

    report = load_demo(echo=click.echo)
    click.echo("")
    click.echo(
        f"Connexion du personnel : {report.staff_username} / {report.staff_password} "
        f"(http://{host}:{port}/admin/)"
    )
    if then_serve:
        context.invoke(serve_command, host=host, port=port)
