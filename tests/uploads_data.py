"""Tiny files with the right (or wrong) first bytes, for upload tests, and
photos as phones make them (EXIF with GPS, sideways) or as attackers do."""
import struct
import zlib
from io import BytesIO

from PIL import Image, ImageChops, ImageCms, ImageStat


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int = 1, height: int = 1) -> bytes:
    """A real PNG: white pixels, 8-bit greyscale."""
    raw = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b""))


def jpeg(width: int = 8, height: int = 8, colour=(128, 128, 128)) -> bytes:
    """A real JPEG of one colour, without metadata."""
    out = BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", quality=90)
    return out.getvalue()


JPEG = jpeg()
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def same_picture(kept: bytes, sent: bytes, tolerance: float = 2) -> bool:
    """The kept photo shows what was sent: same format and size, pixels
    within `tolerance` on average (photos are re-encoded, JPEG is lossy)."""
    a, b = Image.open(BytesIO(kept)), Image.open(BytesIO(sent))
    if (a.format, a.size) != (b.format, b.size):
        return False
    diff = ImageChops.difference(a.convert("RGBA"), b.convert("RGBA"))
    return max(ImageStat.Stat(diff).mean) <= tolerance


GPS_LATITUDE = (37.0, 12.0, 30.5)  # where the resident stood
CAMERA = "MediationTestPhone X1"
RED, BLUE = (220, 20, 20), (20, 20, 220)


def phone_photo(fmt: str = "JPEG") -> bytes:
    """A 60 x 40 photo stored as a phone held upright stores it: landscape
    pixels with EXIF orientation 6 (turn 90° clockwise to show), the left
    third blue and the rest red, so upright it is 40 x 60 with blue on top.
    It carries GPS, the camera's make, XMP, a comment and a colour profile."""
    image = Image.new("RGB", (60, 40), RED)
    image.paste(BLUE, (0, 0, 20, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = CAMERA  # Make
    exif[0x8825] = {1: "N", 2: GPS_LATITUDE, 3: "E", 4: (120.0, 42.0, 1.0)}  # GPSInfo
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="37,12.5N"/>'
           b'</rdf:RDF></x:xmpmeta>')
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=92, exif=exif, xmp=xmp, icc_profile=icc, comment=b"taken at home")
    elif fmt == "PNG":
        from PIL.PngImagePlugin import PngInfo
        text = PngInfo()
        text.add_text("Comment", "taken at home")
        text.add_itxt("XML:com.adobe.xmp", xmp.decode())
        image.save(out, "PNG", exif=exif, icc_profile=icc, pnginfo=text)
    else:
        image.save(out, fmt, exif=exif, xmp=xmp, icc_profile=icc, lossless=True)
    return out.getvalue()


def png_bomb(side: int = 9000) -> bytes:
    """A greyscale PNG of side x side black pixels: about 80 KB that unpack
    to side² bytes (81 MB by default) when decoded."""
    squeeze = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    data = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
            + _chunk(b"IDAT", data) + _chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose header claims width x height pixels."""
    content = bytearray(jpeg())
    sof = content.index(b"\xff\xc0")
    content[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(content)


def truncated_jpeg() -> bytes:
    """A real photo cut off halfway, as a broken transfer leaves it."""
    whole = jpeg(64, 64, (10, 200, 10))
    return whole[: len(whole) // 2]
