"""`flask api clients ...`: integrators' clients from the command line."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from . import clients, iot
from .models import SCOPES, ApiClient

api_cli = AppGroup("api", help="The integrators' JSON API.")
clients_cli = AppGroup("clients", help="Manage integrator clients and their tokens.")
api_cli.add_command(clients_cli)
devices_cli = AppGroup("devices", help="IoT devices, registered per grid.")
api_cli.add_command(devices_cli)


def _named(name: str) -> ApiClient:
    client = clients.by_name(name)
    if client is None:
        raise click.ClickException(f"no client named {name!r} (see `flask api clients list`)")
    return client


@clients_cli.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(SCOPES))
@click.option("--channel", default="government", show_default=True, help="The channel of the cases it sends.")
@click.option("--community", "community_id", type=int, help="The community whose statistics it may read.")
@click.option("--webhook-url", help="Where its case events are delivered.")
@click.option("--per-minute", default=120, show_default=True, help="Calls a minute before 429.")
def create_client(name, scopes, channel, community_id, webhook_url, per_minute):
    """Create client NAME; prints its token once, as the last word."""
    try:
        client, token = clients.create(name, scopes, None, channel=channel, community_id=community_id,
                                       webhook_url=webhook_url, per_minute=per_minute)
    except clients.ClientError as error:
        raise click.ClickException(str(error))
    if client.webhook_secret:
        click.echo(f"webhook signing secret: {client.webhook_secret}")
    click.echo(f"created client {client.name!r} ({client.scopes}); keep its token, it is shown only now: {token}")


@clients_cli.command("list")
def list_clients():
    """Every client, its scopes, channel and whether it is active."""
    rows = db.session.execute(select(ApiClient).order_by(ApiClient.name)).scalars().all()
    if not rows:
        click.echo("no clients")
    for c in rows:
        state = "active" if c.active else f"revoked {c.revoked_at:%Y-%m-%d %H:%M}"
        click.echo(f"{c.name}\t{c.scopes}\tchannel={c.channel}\tcommunity={c.community_id or '-'}"
                   f"\twebhook={c.webhook_url or '-'}\t{state}")


@clients_cli.command("revoke")
@click.argument("name")
def revoke_client(name):
    """Stop NAME's token working at once."""
    client = _named(name)
    clients.revoke(client, None)
    click.echo(f"revoked client {client.name!r}")


@clients_cli.command("rotate")
@click.argument("name")
def rotate_client(name):
    """Give NAME a new token (the old one stops working); prints it once, as the last word."""
    client = _named(name)
    if not client.active:
        raise click.ClickException(f"client {name!r} is revoked")
    token = clients.rotate(client, None)
    click.echo(f"new token for client {client.name!r}, shown only now: {token}")


@devices_cli.command("add")
@click.argument("device_id")
@click.option("--grid", "grid_id", type=int, required=True, help="The grid the device is in.")
@click.option("--kind", type=click.Choice(iot.KINDS), required=True)
@click.option("--place", default="", help="Where it is (building, room).")
def add_device(device_id, grid_id, kind, place):
    """Register DEVICE_ID in a grid, so that its alarms are taken."""
    try:
        device = iot.register_device(device_id, grid_id, kind, place, None)
    except ValueError as error:
        raise click.ClickException(str(error))
    click.echo(f"registered device {device.device_id!r} in grid {device.grid_id}")
