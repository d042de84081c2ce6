"""Checking an uploaded file by its content, never by its name: practices' attachments and
trainings' materials go through ``check_upload``.

Allowed: PDF, PNG, JPEG and WebP (``FileType``). The type is detected from the file's first
bytes (magic numbers, with ``filetype``), then the file's structure is checked: Pillow must be
able to verify an image, and a PDF must start with ``%PDF-`` and carry ``%%EOF`` near its end. A
PDF named ``.png`` is accepted as a PDF; an HTML page named ``.pdf`` is refused. The stored name
is generated from the detected type (``EXTENSIONS``; ``practices.models.attachment_path``,
``trainings.models.material_path``), so the uploaded name never reaches a path.
"""

from __future__ import annotations

import warnings

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image


class FileType(models.TextChoices):
    """The types of file the site accepts, by MIME type."""

    PDF = "application/pdf", "PDF"
    PNG = "image/png", "PNG"
    JPEG = "image/jpeg", "JPEG"
    WEBP = "image/webp", "WebP"


# The extension a stored file gets from its detected type.
EXTENSIONS: dict[str, str] = {
    FileType.PDF: "pdf",
    FileType.PNG: "png",
    FileType.JPEG: "jpg",
    FileType.WEBP: "webp",
}
ALLOWED = {kind.value for kind in FileType}
# What Pillow calls each image type we accept.
PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
HEAD_BYTES = 8192  # ``filetype`` needs at most 8 KB (it reads 261 bytes today)
PDF_EOF_WINDOW = 2048  # ``%%EOF`` must be within the last bytes (trailing whitespace, junk)
# Larger images are refused rather than decoded (Pillow's own "decompression bomb" guard).
MAX_IMAGE_PIXELS = 100_000_000


def max_bytes() -> int:
    return int(settings.ATTACHMENT_MAX_BYTES)


def check_upload(upload: UploadedFile) -> str:
    """The file's content type (a ``FileType`` value), or ``ValidationError``
    saying what is wrong, in words the uploader understands. Leaves the file at position 0."""
    name = upload.name or _("The file")
    size = upload.size or 0
    if size > max_bytes():
        raise ValidationError(
            _("%(name)s is %(size)s: the limit is %(limit)s per file."),
            code="too_large",
            params={
                "name": name,
                "size": filesizeformat(size),
                "limit": filesizeformat(max_bytes()),
            },
        )
    if size == 0:
        raise ValidationError(_("%(name)s is empty."), code="empty", params={"name": name})
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else ""
    if mime not in ALLOWED:
        raise ValidationError(
            _(
                "%(name)s is not a PDF, PNG, JPEG or WebP file, whatever its name says: only "
                "those types are accepted."
            ),
            code="type",
            params={"name": name},
        )
    try:
        if mime == FileType.PDF:
            _check_pdf(upload, head, size)
        else:
            _check_image(upload, mime)
    finally:
        upload.seek(0)
    return mime


def _check_pdf(upload: UploadedFile, head: bytes, size: int) -> None:
    upload.seek(max(0, size - PDF_EOF_WINDOW))
    tail = upload.read(PDF_EOF_WINDOW)
    if not head.startswith(b"%PDF-") or b"%%EOF" not in tail:
        raise ValidationError(
            _("%(name)s looks like a PDF but is damaged or incomplete: export it again."),
            code="damaged",
            params={"name": upload.name},
        )


def _check_image(upload: UploadedFile, mime: str) -> None:
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
                image_format = image.format
                if width * height > MAX_IMAGE_PIXELS:
                    raise Image.DecompressionBombError
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("%(name)s has too many pixels: resize it below 100 megapixels."),
            code="too_many_pixels",
            params={"name": upload.name},
        ) from None
    except Exception:  # Pillow raises many kinds of errors on a broken file
        image_format = None
    if image_format != PILLOW_FORMATS[mime]:
        raise ValidationError(
            _("%(name)s looks like an image but is damaged or incomplete: export it again."),
            code="damaged",
            params={"name": upload.name},
        )
