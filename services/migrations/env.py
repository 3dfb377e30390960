"""Alembic's environment for Parley: services.migrate hands it the connection (there is no alembic.ini)."""
from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from services.migrate import include_object, render_item

connection = context.config.attributes['connection']
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True,
                  render_item=render_item, compare_type=True,
                  include_object=include_object)
with context.begin_transaction():
    context.run_migrations()
