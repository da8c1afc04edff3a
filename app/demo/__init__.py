"""The demo city (a Laiyang-like street: areas, communities, grids, users and
cases made through the intake service and the engine), loaded by `flask demo load`.

Part of the shell: it may import every package; nothing imports it but the app
factory's CLI."""
