import logging
from logging.config import fileConfig

from flask import current_app

from alembic import context

# this is the Alembic Config object, which provides
# access to the values within the .ini file in use.
config = context.config

# Interpret the config file for Python logging.
# This line sets up loggers basically.
fileConfig(config.config_file_name)
logger = logging.getLogger('alembic.env')


def get_engine():
    return current_app.extensions['migrate'].db.engine


def get_engine_url():
    try:
        return get_engine().url.render_as_string(hide_password=False).replace(
            '%', '%%')
    except AttributeError:
        return str(get_engine().url).replace('%', '%%')


# add your model's MetaData object here
# for 'autogenerate' support
# from myapp import mymodel
# target_metadata = mymodel.Base.metadata
config.set_main_option('sqlalchemy.url', get_engine_url())
target_db = current_app.extensions['migrate'].db

# other values from the config, defined by the needs of env.py,
# can be acquired:
# my_important_option = config.get_main_option("my_important_option")
# ... etc.


def get_metadata():
    if hasattr(target_db, 'metadatas'):
        return target_db.metadatas[None]
    return target_db.metadata


def run_migrations_offline():
    """Run migrations in 'offline' mode.

    This configures the context with just a URL
    and not an Engine, though an Engine is acceptable
    here as well.  By skipping the Engine creation
    we don't even need a DBAPI to be available.

    Calls to context.execute() here emit the given string to the
    script output.

    """
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url, target_metadata=get_metadata(), literal_binds=True,
        # A BEGIN/COMMIT around each migration, as online (below).
        transaction_per_migration=True,
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations in 'online' mode.

    In this scenario we need to create an Engine
    and associate a connection with the context.

    """

    # this callback is used to prevent an auto-migration from being generated
    # when there are no changes to the schema
    # reference: http://alembic.zzzcomputing.com/en/latest/cookbook.html
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, 'autogenerate', False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info('No changes in schema detected.')

    conf_args = current_app.extensions['migrate'].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives

    connectable = get_engine()

    with connectable.connect() as connection:
        sqlite = connection.dialect.name == 'sqlite'
        if sqlite:
            # A batch migration on SQLite copies a table, drops the old one and
            # renames the copy; with foreign keys on (app/database.py) SQLite
            # refuses to drop a table that other rows point at. So they are off
            # while migrating (set outside a transaction, where SQLite honours
            # it), checked after each migration before its COMMIT, and on again
            # after (Alembic's documentation, "Dealing with Referencing Tables").
            _sqlite_foreign_keys(connection, False)
            # A copy: the extension's arguments live as long as the app (a second upgrade in one process).
            given = conf_args.get("on_version_apply") or []
            conf_args = dict(conf_args, on_version_apply=[
                *(given if isinstance(given, (list, tuple)) else [given]), _check_sqlite_foreign_keys])
        try:
            context.configure(
                connection=connection,
                target_metadata=get_metadata(),
                # Each migration in a transaction of its own: a failure rolls
                # back that migration alone and leaves the database at the one
                # before (alembic_version says which), as on SQLite, where
                # Alembic commits each migration anyway; and a migration that
                # must work outside a transaction (0025's CREATE INDEX
                # CONCURRENTLY, in an autocommit_block) commits only its own.
                transaction_per_migration=True,
                **conf_args
            )

            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:
                if connection.in_transaction():  # a failure part-way: SQLite ignores the PRAGMA inside one
                    connection.rollback()
                _sqlite_foreign_keys(connection, True)


def _check_sqlite_foreign_keys(ctx, **_kw):
    """After each migration, in its transaction: a migration that left rows
    pointing nowhere (foreign keys being off) is rolled back."""
    broken = ctx.connection.exec_driver_sql('PRAGMA foreign_key_check').all()
    if broken:
        raise RuntimeError(f'the migration left rows whose foreign keys point nowhere: {broken[:10]}')


def _sqlite_foreign_keys(connection, on):
    # On the driver's connection: SQLAlchemy would begin a transaction first.
    connection.connection.dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
