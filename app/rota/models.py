from ..extensions import db  # noqa: F401
