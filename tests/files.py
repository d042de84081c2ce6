"""Small real files for upload tests: a PDF, images made with Pillow, and hostile look-alikes."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
HTML_BYTES = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    """What the browser sends: the name and the type it claims are the uploader's to choose."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf(name: str = "report.pdf"):
    return upload(name, PDF_BYTES, "application/pdf")


def png(name: str = "photo.png"):
    return upload(name, image_bytes("PNG"), "image/png")
