"""Attachments are checked by content (magic bytes and structure), never by name."""

import pytest
from django.core.exceptions import ValidationError

from pactesur.uploads import check_upload
from tests.files import HTML_BYTES, PDF_BYTES, image_bytes, pdf, png, upload


@pytest.mark.parametrize(
    "name,content,expected",
    [
        ("report.pdf", PDF_BYTES, "application/pdf"),
        ("photo.png", image_bytes("PNG"), "image/png"),
        ("photo.jpg", image_bytes("JPEG"), "image/jpeg"),
        ("photo.webp", image_bytes("WEBP"), "image/webp"),
        # The name does not decide: a PDF named .png is a PDF, a PNG named .pdf a PNG.
        ("scan.png", PDF_BYTES, "application/pdf"),
        ("scan.pdf", image_bytes("PNG"), "image/png"),
        ("no-extension", image_bytes("JPEG"), "image/jpeg"),
    ],
)
def test_type_is_detected_from_content(name, content, expected):
    file = upload(name, content, "text/html")
    assert check_upload(file) == expected
    assert file.tell() == 0  # left ready to be stored


@pytest.mark.parametrize(
    "name,content",
    [
        ("invoice.pdf", HTML_BYTES),
        ("image.png", b"GIF89a" + b"\x00" * 64),  # a GIF: not one of the accepted types
        ("notes.pdf", b"just some text, not a PDF at all"),
        ("archive.pdf", b"PK\x03\x04" + b"\x00" * 64),
    ],
)
def test_other_content_is_refused_whatever_its_name(name, content):
    with pytest.raises(ValidationError) as exc:
        check_upload(upload(name, content, "application/pdf"))
    assert exc.value.code == "type"
    assert "not a PDF, PNG, JPEG or WebP file" in exc.value.messages[0]
    assert name in exc.value.messages[0]


def test_pdf_without_end_marker_is_refused_as_damaged():
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("cut.pdf", PDF_BYTES.replace(b"%%EOF", b"")))
    assert exc.value.code == "damaged"


def test_truncated_image_is_refused_as_damaged():
    data = image_bytes("PNG", (64, 64))
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("cut.png", data[:40]))
    assert exc.value.code == "damaged"


def test_image_with_a_corrupt_body_is_refused():
    data = bytearray(image_bytes("PNG", (64, 64)))
    data[60:80] = b"\xff" * 20  # break the IDAT chunk's checksum
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("corrupt.png", bytes(data)))
    assert exc.value.code == "damaged"


def test_oversized_file_is_refused_with_the_limit_in_the_message(settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        check_upload(pdf())
    assert exc.value.code == "too_large"
    assert "the limit is 100\xa0bytes per file" in exc.value.messages[0]


def test_file_at_the_limit_is_accepted(settings):
    settings.ATTACHMENT_MAX_BYTES = len(PDF_BYTES)
    assert check_upload(pdf()) == "application/pdf"


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as exc:
        check_upload(upload("empty.pdf", b""))
    assert exc.value.code == "empty"


def test_decompression_bomb_is_refused(monkeypatch):
    import pactesur.uploads

    monkeypatch.setattr(pactesur.uploads, "MAX_IMAGE_PIXELS", 10)
    with pytest.raises(ValidationError) as exc:
        check_upload(png())
    assert exc.value.code == "too_many_pixels"
