from .chain import record  # noqa: F401
