"""Alembic environment: the engine comes from the Flask app (see commands.alembic_config)."""
from alembic import context
from sqlalchemy import TypeDecorator

import booking.models  # noqa: F401  (register tables on Base.metadata)
import booking.records  # noqa: F401
import shopify_app.models  # noqa: F401
import webhooks.models  # noqa: F401
from db import Base

target_metadata = Base.metadata


def render_item(kind, obj, autogen_context):
    """Write our TypeDecorators as their plain column types, so migrations never import app code."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite",
                          compare_type=True, render_item=render_item)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
