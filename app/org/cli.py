import click
from flask.cli import AppGroup

from .geo import GeoJSONError
from .outlines import import_geojson

org_cli = AppGroup("org", help="The organisation tree: streets, communities, grids.")


@org_cli.command("import-geojson")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_geojson_command(path):
    """Import grid outlines for the grid map from the GeoJSON file PATH
    (WGS 84; one Polygon per grid, properties.code naming it by its code or
    as community/grid). Nothing is stored unless every feature is good."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        count = import_geojson(text, source=click.format_filename(path))
    except GeoJSONError as error:
        for problem in error.problems:
            click.echo(f"{path}: {problem}", err=True)
        raise click.ClickException(f"nothing imported: {len(error.problems)} problem(s) in {path}") from None
    click.echo(f"{count} grid outlines imported")
