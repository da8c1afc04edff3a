"""Uploaded photos and documents: checked by their content, stored outside
the static folder under a random name. Knows no domain: the package that
keeps a file (a case's attachments) makes its row and audit event from what
Batch.store() returns.

The type is decided from the file's first bytes (its "magic"), never from
the browser's Content-Type header or the file name; the size is checked
against UPLOAD_MAX_BYTES (requests bigger than MAX_CONTENT_LENGTH are
refused before they reach a form, with the 413 page).
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from io import SEEK_END
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from werkzeug.datastructures import FileStorage
from wtforms.validators import Optional, StopValidation


# content type → (extensions a file of that type may carry, signature test)
TYPES = {
    "image/jpeg": (("jpg", "jpeg"), lambda head: head.startswith(b"\xff\xd8\xff")),
    "image/png": (("png",), lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "image/webp": (("webp",), lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    "application/pdf": (("pdf",), lambda head: head.startswith(b"%PDF-")),
}
IMAGES = ("image/jpeg", "image/png", "image/webp")
DOCUMENTS = IMAGES + ("application/pdf",)
HEAD_BYTES = 16
STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
MAX_NAME = 100


def sniff(head: bytes) -> str | None:
    """The content type the file's first bytes show, if it is one we take."""
    for content_type, (_, test) in TYPES.items():
        if test(head):
            return content_type
    return None


def extensions(kinds) -> list[str]:
    return [ext for kind in kinds for ext in TYPES[kind][0]]


def _size(file: FileStorage) -> int:
    stream = file.stream
    stream.seek(0, SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


class CheckedUpload:
    """A WTForms validator: the file's content is one of `kinds` and its size
    is within UPLOAD_MAX_BYTES. Leaves the stream at its start."""

    def __init__(self, kinds=DOCUMENTS):
        self.kinds = tuple(kinds)

    def __call__(self, form, field):
        file = field.data
        if not isinstance(file, FileStorage) or not file:
            return
        limit = current_app.config["UPLOAD_MAX_BYTES"]
        size = _size(file)
        if size == 0:
            raise StopValidation(_l("The file is empty. Choose the photo or document again."))
        if size > limit:
            raise StopValidation(_l("The file is too large (%(size)s MB): at most %(max)s MB.",
                                    size=_megabytes(size), max=_megabytes(limit)))
        head = file.stream.read(HEAD_BYTES)
        file.stream.seek(0)
        if sniff(head) not in self.kinds:
            raise StopValidation(_wrong_type(self.kinds))


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _wrong_type(kinds):
    if "application/pdf" in kinds:
        return _l("Only photos (JPEG, PNG or WebP) and PDF documents can be attached.")
    return _l("Only photos (JPEG, PNG or WebP) can be sent.")


def upload_field(label, kinds=DOCUMENTS, required=None):
    """A file field that takes `kinds`: `required` is a validator such as
    FileRequired(), or None for an optional file."""
    first = [required] if required is not None else [Optional()]
    return FileField(
        label,
        validators=first + [FileAllowed(extensions(kinds), _wrong_type(kinds)), CheckedUpload(kinds)],
        render_kw={"accept": ",".join(kinds)},
    )


def clean_name(name: str | None, content_type: str) -> str:
    """The user's file name, fit for display and for a download name: no
    path, no control characters, at most MAX_NAME characters, ending in an
    extension that matches the content."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(" " if unicodedata.category(c)[0] == "Z" else c
                   for c in name if unicodedata.category(c)[0] != "C")
    name = " ".join(name.split()).strip(" .")
    stem, dot, ext = name.rpartition(".")
    allowed = TYPES[content_type][0]
    if not dot or ext.lower() not in allowed:
        stem, ext = name, allowed[0]
    stem = stem[: MAX_NAME - len(ext) - 1].strip(" .") or "file"
    return f"{stem}.{ext}"


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def path_of(attachment) -> Path | None:
    """Where an attachment's bytes are; None for a name that is not ours."""
    if not STORED_NAME.match(attachment.stored_name or ""):
        return None
    return upload_dir() / attachment.stored_name


def is_image(attachment) -> bool:
    return attachment.content_type in IMAGES


@dataclass(frozen=True)
class StoredFile:
    """A file written by Batch.store(): the names and facts a row keeps."""

    original_name: str
    stored_name: str
    content_type: str
    size: int
    sha256: str


class Batch:
    """Files written for one transaction. Use as a context manager and call
    done() after the COMMIT: leaving the block without it (an error, a
    rollback, an early return) removes the files written in it, so no file is
    kept without its row."""

    def __init__(self):
        self.paths: list[Path] = []
        self.kept = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if not self.kept:
            for path in self.paths:
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
        return False

    def done(self) -> None:
        self.kept = True

    def store(self, file: FileStorage) -> StoredFile:
        """Write the (validated) file under a random name; what it holds is
        the caller's to record (a row, an audit event) in its transaction."""
        file.stream.seek(0)
        content = file.stream.read()
        content_type = sniff(content[:HEAD_BYTES])
        if content_type is None:  # validated already; never store what we cannot name
            raise ValueError("unchecked upload")
        directory = upload_dir()
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        stored_name = secrets.token_hex(16)
        path = directory / stored_name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.paths.append(path)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        return StoredFile(original_name=clean_name(file.filename, content_type), stored_name=stored_name,
                          content_type=content_type, size=len(content), sha256=hashlib.sha256(content).hexdigest())
