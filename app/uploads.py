"""Uploaded photos and documents: checked by their content, stored outside
the static folder under a random name. Knows no domain: the package that
keeps a file (a case's attachments) makes its row and audit event from what
Batch.store() returns.

The type is decided from the file's first bytes (its "magic"), never from
the browser's Content-Type header or the file name. A document's size is
checked against UPLOAD_MAX_BYTES; a photo is taken up to the request's limit
(requests bigger than MAX_CONTENT_LENGTH are refused before they reach a
form, with the 413 page), since it is re-encoded anyway: a phone's camera
makes 5-10 MB photos that a resident cannot make smaller.

Photos are decoded and re-encoded before they are kept (clean_image): the
pixels only, turned upright by their EXIF orientation and into sRGB by their
colour profile, no longer than UPLOAD_PHOTO_MAX_SIDE pixels on their longer
side, in the same format (a PNG or WebP still larger than UPLOAD_MAX_BYTES
then becomes a JPEG); EXIF (with a phone's GPS position), XMP,
comments, text chunks and the profile itself are not carried over. An image
of more than UPLOAD_MAX_PIXELS or one that does not decode is refused at the
form, before anything is written. PDFs are kept as sent and served only as
downloads (see the serving view).
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from io import SEEK_END, BytesIO
from pathlib import Path

from flask import abort, current_app, send_file
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, MultipleFileField
from PIL import Image, ImageCms, ImageOps, JpegImagePlugin
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


def _head(file: FileStorage) -> bytes:
    file.stream.seek(0)
    head = file.stream.read(HEAD_BYTES)
    file.stream.seek(0)
    return head


class CheckedUpload:
    """A WTForms validator: the file's content is one of `kinds` and its size
    is within UPLOAD_MAX_BYTES; a photo must decode within UPLOAD_MAX_PIXELS,
    and the field then holds its re-encoded copy (a CleanedFile) instead of
    what was sent. Leaves the stream at its start."""

    def __init__(self, kinds=DOCUMENTS):
        self.kinds = tuple(kinds)

    def __call__(self, form, field):
        files = field.data if isinstance(field.data, list) else [field.data]
        for file in files:
            if isinstance(file, FileStorage) and len(files) > 1:
                file.one_of_several = True
        checked = [self.check(file) for file in files]
        field.data = checked if isinstance(field.data, list) else checked[0]

    def check(self, file):
        """The file as it is kept (a photo re-encoded), or StopValidation."""
        if not isinstance(file, FileStorage) or not file:
            return file
        size = _size(file)
        if size == 0:
            raise StopValidation(_named(file, _l("The file is empty. Choose the photo or document again.")))
        head = file.stream.read(HEAD_BYTES)
        file.stream.seek(0)
        content_type = sniff(head)
        if content_type not in self.kinds:
            raise StopValidation(_named(file, _wrong_type(self.kinds)))
        limit = max_bytes(content_type)
        if size > limit:
            raise StopValidation(_named(file, too_large(content_type, size, limit)))
        if content_type in IMAGES and not isinstance(file, CleanedFile):
            try:
                return cleaned(file, current_app.config["UPLOAD_MAX_PIXELS"])
            except ImageRefused as refused:
                raise StopValidation(_named(file, refused.message)) from None
        return file


def max_bytes(content_type: str | None) -> int:
    """The largest file of this type taken: a photo up to the request's limit
    (it is downscaled and re-encoded), a document UPLOAD_MAX_BYTES."""
    config = current_app.config
    if content_type in IMAGES:
        return max(config.get("MAX_CONTENT_LENGTH") or 0, config["UPLOAD_MAX_BYTES"])
    return config["UPLOAD_MAX_BYTES"]


# What to do about a file still too large, said after the figures.
SMALLER_PHOTO = _l("Take a screenshot of the photo and send that, or choose a smaller photo size in the camera's "
                   "settings.")
SMALLER_DOCUMENT = _l("Send its pages as photos, or scan it again at a lower resolution.")


def too_large(content_type: str | None, size: int, limit: int) -> str:
    said = str(_l("The file is too large (%(size)s MB): at most %(max)s MB.",
                  size=_megabytes(size), max=_megabytes(limit)))
    return f"{said} {SMALLER_PHOTO if content_type in IMAGES else SMALLER_DOCUMENT}"


def _named(file: FileStorage, message) -> str:
    """A file's refusal, naming the file when several were chosen together
    (the form's `multiple` field): which one to leave out."""
    if not getattr(file, "one_of_several", False):
        return message
    return str(_l("%(name)s: %(message)s", name=display_name(file.filename), message=message))


def display_name(name: str | None) -> str:
    """A sent file's name, as a message may show it (no path, no control characters)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    return name[:MAX_NAME] or "?"


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _wrong_type(kinds):
    if "application/pdf" in kinds:
        return _l("Only photos (JPEG, PNG or WebP) and PDF documents can be attached.")
    return _l("Only photos (JPEG, PNG or WebP) can be sent.")


def upload_field(label, kinds=DOCUMENTS, required=None, multiple=False):
    """A file field that takes `kinds`: `required` is a validator such as
    FileRequired(), or None for an optional file. `multiple`: several files
    chosen at once (a patrol's shots of one scene), each checked as one is,
    and all refused if one is, naming it; its data is then a list. The file
    name's extension is not asked of those: a photo's content decides, and
    its kept name gets the right extension (clean_name)."""
    first = [required] if required is not None else [Optional()]
    render_kw = {"accept": ",".join(kinds), "data-shrink-photos": ""}
    if multiple:
        return MultipleFileField(label, validators=first + [CheckedUpload(kinds)], render_kw=render_kw)
    return FileField(
        label,
        validators=first + [FileAllowed(extensions(kinds), _wrong_type(kinds)), CheckedUpload(kinds)],
        render_kw=render_kw,
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


class ImageRefused(ValueError):
    """A photo that is not kept: too many pixels, or it does not decode."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class CleanedFile(FileStorage):
    """An uploaded photo after clean_image(): what Batch.store() writes as is."""


# Pillow's name for each format we take; MPO is a JPEG with extra pictures
# (some phones' portrait shots), kept as its first picture.
FORMATS = {"image/jpeg": ("JPEG", "MPO"), "image/png": ("PNG",), "image/webp": ("WEBP",)}
# The modes each format is written in; any other is converted to RGB(A).
MODES = {"JPEG": ("L", "RGB"), "PNG": ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"), "WEBP": ("RGB", "RGBA")}
QUALITY = 85  # JPEG when the photo's own tables cannot be reused, and lossy WebP


def cleaned(file: FileStorage, max_pixels: int) -> CleanedFile:
    """The uploaded photo re-encoded by clean_image(), as an upload with the
    same name (raises ImageRefused)."""
    file.stream.seek(0)
    config = current_app.config
    sent = file.stream.read()
    content = clean_image(sent, max_pixels, max_side=config.get("UPLOAD_PHOTO_MAX_SIDE"),
                          max_bytes=config.get("UPLOAD_MAX_BYTES"))
    content_type = sniff(content[:HEAD_BYTES])
    filename = file.filename
    if content_type != sniff(sent[:HEAD_BYTES]) and filename:
        # Kept as a JPEG (a large PNG): "screenshot.png" becomes "screenshot.jpg", not "screenshot.png.jpg".
        filename = re.sub(r"\.(png|webp)$", "", filename, flags=re.IGNORECASE)
    return CleanedFile(stream=BytesIO(content), filename=filename, name=file.name, content_type=content_type)


def clean_image(content: bytes, max_pixels: int, *, max_side: int | None = None,
                max_bytes: int | None = None) -> bytes:
    """The photo's pixels alone, upright and in sRGB, re-encoded in its own
    format: no EXIF, XMP, comment, text chunk or colour profile. Raises
    ImageRefused for more than `max_pixels` pixels (checked from the header,
    before anything is decoded) or for a file that does not decode.
    `max_side`: a longer side is scaled down to it; `max_bytes`: a PNG or
    WebP that is still larger is kept as a JPEG instead."""
    content_type = sniff(content[:HEAD_BYTES])
    if content_type not in IMAGES:
        raise ImageRefused(_wrong_type(IMAGES))
    try:
        # Pillow itself refuses more than twice Image.MAX_IMAGE_PIXELS when it
        # reads the header (DecompressionBombError), before our own limit.
        source = Image.open(BytesIO(content), formats=FORMATS[content_type])
        width, height = source.size
        if width * height > max_pixels:
            raise _too_large(width, height, max_pixels)
        if max_side and max(width, height) > max_side and source.format in ("JPEG", "MPO"):
            # Decoded at a half, a quarter... of its size where that is still at least the size kept:
            # a 48-megapixel photo then takes a fraction of the memory and time.
            source.draft(None, _fitted((width, height), max_side))
        source.load()
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # the warning, if made an error
        raise _too_large(None, None, max_pixels) from None
    except Exception:  # Pillow says "damaged" in many ways: OSError, ValueError, SyntaxError, EOFError...
        raise ImageRefused(_l("The image could not be read: the file may be damaged. "
                              "Choose the photo again or take another.")) from None
    fmt = "JPEG" if source.format == "MPO" else source.format
    try:
        image = _upright(source)
        image = _srgb(image, source.info.get("icc_profile"))
        image = _bare(image, fmt)
        if max_side and max(image.size) > max_side:
            image = image.resize(_fitted(image.size, max_side), Image.Resampling.LANCZOS)
        kept = _encode(image, fmt, _encodings(source, content, fmt, image.mode))
        if max_bytes and len(kept) > max_bytes and fmt != "JPEG":
            # A large lossless picture (a PNG of a busy scene): a JPEG of it keeps what matters.
            kept = _encode(_flattened(image), "JPEG", [{"quality": QUALITY, "optimize": True}])
        return kept
    except Exception:
        raise ImageRefused(_l("The image could not be read: the file may be damaged. "
                              "Choose the photo again or take another.")) from None


def _fitted(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """`size` scaled down so that its longer side is `max_side`."""
    width, height = size
    scale = max_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _flattened(image: Image.Image) -> Image.Image:
    """RGB or L, for a JPEG: transparent parts on white."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _too_large(width, height, max_pixels) -> ImageRefused:
    millions = f"{max_pixels / 1_000_000:.2f}".rstrip("0").rstrip(".")
    if width is None:
        said = _l("The image is too large: at most %(max)s million pixels.", max=millions)
    else:
        said = _l("The image is too large (%(width)s by %(height)s pixels): at most %(max)s million pixels.",
                  width=width, height=height, max=millions)
    return ImageRefused(f"{said} {SMALLER_PHOTO}")


def _upright(image: Image.Image) -> Image.Image:
    """Turned as its EXIF orientation says (a phone held sideways); an
    unreadable EXIF block is only dropped."""
    try:
        return ImageOps.exif_transpose(image) or image
    except Exception:
        return image


def _srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Converted from its embedded colour profile (a phone's Display P3, a
    CMYK scan) to sRGB, so that dropping the profile keeps the colours; a
    profile that littlecms cannot use is only dropped."""
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc))
        out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=out_mode)
    except Exception:
        return image


def _bare(image: Image.Image, fmt: str) -> Image.Image:
    """A new image holding only the pixels (and a palette): nothing of the
    original's info (EXIF, XMP, comments, text, profile) can travel with it."""
    if image.mode not in MODES[fmt]:
        alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
        image = image.convert("RGBA" if alpha and "RGBA" in MODES[fmt] else "RGB")
    elif image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    bare = Image.new(image.mode, image.size)
    if image.mode == "P":
        bare.putpalette(image.getpalette())
    bare.paste(image, (0, 0))
    return bare


def _encodings(source: Image.Image, content: bytes, fmt: str, mode: str) -> list[dict]:
    """How to write the clean image, in the order to try."""
    if fmt == "JPEG":
        # The photo's own quantisation tables and chroma subsampling first:
        # about the quality and size it came with; else a fixed quality.
        plain = {"quality": QUALITY, "optimize": True}
        tables = getattr(source, "quantization", None) or {}
        if (mode == "RGB" and 1 <= len(tables) <= 4) or (mode == "L" and len(tables) == 1):
            own = {"qtables": tables, "optimize": True}
            sampling = JpegImagePlugin.get_sampling(source)
            if sampling >= 0:
                own["subsampling"] = sampling
            return [own, plain]
        return [plain]
    if fmt == "WEBP":
        chunks = content[12:4096]
        lossless = chunks.startswith(b"VP8L") or (chunks.startswith(b"VP8X") and b"VP8L" in chunks
                                                  and b"VP8 " not in chunks)
        return [{"lossless": True} if lossless else {"quality": QUALITY}]
    return [{}]  # PNG: lossless, zlib's default level


def _encode(image: Image.Image, fmt: str, options: list[dict]) -> bytes:
    for i, option in enumerate(options):
        out = BytesIO()
        try:
            image.save(out, fmt, **option)
        except Exception:
            if i == len(options) - 1:
                raise
            continue
        return out.getvalue()
    raise AssertionError("no encoding")


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def path_of(attachment) -> Path | None:
    """Where an attachment's bytes are; None for a name that is not ours."""
    if not STORED_NAME.match(attachment.stored_name or ""):
        return None
    return upload_dir() / attachment.stored_name


def is_image(attachment) -> bool:
    return attachment.content_type in IMAGES


# A photo alone, shown inline: nothing it could load or run.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
# A document (a PDF may carry scripts) is only ever a download; should a
# browser show it anyway, it runs sandboxed, as from no origin.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def serve(attachment, owner: str):
    """The response for a stored file the caller has already checked the
    user may see: photos inline, everything else as a download, never
    cached; a missing file is logged (with `owner`, e.g. "case 12") and 404."""
    path = path_of(attachment)
    if path is None or not path.is_file():
        current_app.logger.error("attachment %s of %s: file missing", attachment.id, owner)
        abort(404)
    inline = is_image(attachment)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=not inline,
                         download_name=attachment.original_name, conditional=False, etag=False, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = FILE_CSP if inline else DOWNLOAD_CSP
    return response


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
        the caller's to record (a row, an audit event) in its transaction.
        A photo not cleaned by the form's validator is cleaned here (raising
        ImageRefused), so that none is kept with its metadata."""
        if not isinstance(file, CleanedFile) and sniff(_head(file)) in IMAGES:
            file = cleaned(file, current_app.config["UPLOAD_MAX_PIXELS"])
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
