"""Integrator clients for the API tests, made as an administrator would:
through `flask api clients create`."""
import base64
from io import BytesIO

from PIL import Image


def cli_client(app, name, *scopes, **options) -> str:
    """Create client NAME from the CLI; returns the token it printed last."""
    args = ["api", "clients", "create", name]
    for scope in scopes:
        args += ["--scope", scope]
    for option, value in options.items():
        args += [f"--{option.replace('_', '-')}", str(value)]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1].split()[-1]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def png_base64() -> str:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def png_bytes(color: str = "red", size: int = 8) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (size, size), color).save(buffer, format="PNG")
    return buffer.getvalue()
