"""Operator commands: `flask db ...`, `flask worker`, `flask demo`."""
from __future__ import annotations

from pathlib import Path

import click
from alembic import command as alembic
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> AlembicConfig:
    """Alembic settings built in code; migrations/env.py takes the engine from the app."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = current_app.extensions["packbook.db"].engine
    return config


@click.group("db", cls=AppGroup, help="Database schema (Alembic owns it).")
def db_group():
    pass


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str):
    """Apply migrations up to REVISION (default: head)."""
    alembic.upgrade(alembic_config(), revision)


@db_group.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str):
    """Revert migrations down to REVISION."""
    alembic.downgrade(alembic_config(), revision)


@db_group.command("current")
def db_current():
    """Show the revision the database is at."""
    alembic.current(alembic_config(), verbose=False)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
def db_revision(message: str, autogenerate: bool):
    """Write a new migration, compared against the models by default."""
    alembic.revision(alembic_config(), message=message, autogenerate=autogenerate)


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Exit once the queue is empty.")
def worker_command(burst: bool):
    """Run an rq worker (with the scheduler) that also sweeps pending webhook events."""
    from webhooks.jobs import periodic_sweep
    from webhooks.queue import get_queue, run_worker

    if get_queue().inline:
        raise click.ClickException("REDIS_URL is not set: jobs already run inline, no worker needed")
    run_worker(current_app._get_current_object(), periodic_sweep, burst=burst)


@click.command("demo")
@with_appcontext
@click.option("--shop", default="packbook-demo.myshopify.com", show_default=True)
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True)
def demo_command(shop: str, base_url: str):
    """Seed a demo shop and print local URLs for its admin and a customer's booking link."""
    from demo.seed import seed_demo

    urls = seed_demo(shop, base_url.rstrip("/"))
    click.echo(f"Demo shop {urls['shop']} is ready.")
    click.echo(f"  Admin (as the merchant):  {urls['admin']}")
    click.echo(f"  Booking link (customer):  {urls['booking']}")
    if current_app.config["PACKBOOK"].smtp_url is None:
        from pathlib import Path
        click.echo(f"  Emails (no SMTP_URL):     {Path(current_app.instance_path) / 'outbox'}/*.eml")
    if not current_app.config["PACKBOOK"].demo_mode:
        click.echo("  Note: these URLs work only while the server runs with PACKBOOK_DEMO=1 on localhost.")


@click.command("expire-packages")
@with_appcontext
def expire_packages_command():
    """Write off what is left on lapsed packages now (workers also do it every 15 minutes)."""
    from webhooks.jobs import expire_packages

    click.echo(f"expired {expire_packages()} packages")


@click.command("send-due-emails")
@with_appcontext
def send_due_emails_command():
    """Ask for the reminders and expiry warnings that are due, then send every email still owed. Workers do
    this each minute; without Redis (no worker), run it from cron."""
    from booking.jobs import send_pending
    from webhooks.jobs import ask_due_emails, release_lapsed_holds

    asked, released = ask_due_emails(), release_lapsed_holds()
    click.echo(f"asked for {asked} due emails, released {released} lapsed holds, sent {send_pending(limit=500)}")


def register(app: Flask) -> None:
    for command in (db_group, worker_command, demo_command, expire_packages_command, send_due_emails_command):
        app.cli.add_command(command)
