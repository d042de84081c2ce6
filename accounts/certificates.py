"""Certificates: issuing one (with its PDF), verification codes, and the PDF itself.

A certificate belongs to a person, so the mechanism lives here, in ``accounts``; the apps that
give certificates (trainings, exchanges) call ``issue_certificate`` with what it certifies::

    from accounts.certificates import issue_certificate

    certificate = issue_certificate(
        holder=registration.user,
        source=registration,            # any saved row: one certificate per holder and source
        kind=gettext_lazy("Training"),  # a label: lazy, so it is printed in the holder's language
        title=training.title,
        host=str(training.host),
        start=first_day,
        end=last_day,
        hours=Decimal("14.5"),          # optional
    )

Issuing again for the same holder and source returns the certificate already issued, unchanged
(the PDF and its hash are those of the first issue). The PDF is written in the holder's language
(``User.language``; English or French), with the Noto Sans font (installed by pip, embedded as a
subset, so "Łukasz Wiśniewski" or "Xàbia" print as written) and a QR code of the public page
that verifies it: ``/certificates/<code>/``, which shows what the row holds and the SHA-256 of
the PDF as issued.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import re
import secrets
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import formats, translation
from django.utils.translation import gettext as _

from .models import Certificate, User

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

# Crockford's base 32: digits and capitals without I, L, O and U. Typed codes are read leniently
# (case, dashes and spaces ignored; I and L read as 1, O as 0). 32**10 is about 10**15 codes.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
_TYPO = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-_.]+")

CERTIFICATE_LANGUAGES = ("en", "fr")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(typed: str) -> str | None:
    """The stored form of a typed code (``k7qf-29xm-pd`` → ``K7QF29XMPD``), or ``None`` when it
    cannot be one (wrong length or characters)."""
    code = _SEPARATORS.sub("", typed or "").upper().translate(_TYPO)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def verify_url(certificate: Certificate) -> str:
    """The absolute address of the public page that verifies the certificate (in its QR code)."""
    return settings.SITE_URL + certificate.get_absolute_url()


def certificate_language(holder: User) -> str:
    language = (holder.language or "").split("-")[0]
    return language if language in CERTIFICATE_LANGUAGES else "en"


@transaction.atomic
def issue_certificate(
    *,
    holder: User,
    source: models.Model,
    kind: StrOrPromise,
    title: StrOrPromise,
    host: StrOrPromise,
    start: datetime.date,
    end: datetime.date,
    hours: Decimal | None = None,
    language: str | None = None,
) -> Certificate:
    """Issue ``holder`` a certificate for ``source`` (a saved row: a registration, an
    application...), or return the one already issued for it. The caller decides whether the
    person has earned it; this only records and prints it."""
    if source.pk is None:
        raise ValueError("A certificate's source must be saved.")
    source_type = ContentType.objects.get_for_model(source)
    key = {"holder": holder, "source_type": source_type, "source_id": str(source.pk)}
    existing = Certificate.objects.filter(**key).first()
    if existing is not None:
        return existing
    if language not in CERTIFICATE_LANGUAGES:
        language = certificate_language(holder)
    with translation.override(language):  # lazy labels (gettext_lazy) in the holder's language
        certificate = Certificate(
            **key,
            holder_name=holder.full_name or holder.email,
            kind=str(kind),
            title=str(title),
            host=str(host),
            start=start,
            end=end,
            hours=hours,
            language=language,
        )
    for _attempt in range(5):
        certificate.code = new_code()
        certificate.pdf = render_pdf(certificate)
        certificate.sha256 = hashlib.sha256(certificate.pdf).hexdigest()
        try:
            with transaction.atomic():
                certificate.save(force_insert=True)
        except IntegrityError:
            # The same certificate issued meanwhile (a double click), or, once in 10**15, a code
            # already taken: return the first, or draw another code.
            existing = Certificate.objects.filter(**key).first()
            if existing is not None:
                return existing
            if Certificate.objects.filter(code=certificate.code).exists():
                continue
            raise  # another constraint: dates in the wrong order, negative hours
        logger.info(
            "Certificate %s issued to user %s for %s:%s",
            certificate.code,
            holder.pk,
            source_type.model,
            source.pk,
        )
        return certificate
    raise RuntimeError("Could not draw a free certificate code.")  # pragma: no cover


# --- The PDF -------------------------------------------------------------------------------------


@cache
def font_path() -> Path:
    """Noto Sans (regular instance of the variable font), from the ``fontpkg-noto-sans`` wheel."""
    import fontpkg_noto_sans

    return Path(fontpkg_noto_sans.ROOT) / "files" / "NotoSans[wdth,wght].ttf"


def _date(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def period_text(start: datetime.date, end: datetime.date) -> str:
    """ "on 3 May 2024" or "from 3 May 2024 to 7 May 2024", in the active language."""
    if start == end:
        return _("on %(date)s") % {"date": _date(start)}
    return _("from %(start)s to %(end)s") % {"start": _date(start), "end": _date(end)}


def hours_text(certificate: Certificate) -> str:
    """ "14.5 hours" ("14,5 heures"), in the active language; "" without hours."""
    if certificate.plain_hours is None:
        return ""
    number = formats.number_format(certificate.plain_hours, use_l10n=True)
    return _("%(hours)s hours") % {"hours": number}


def render_pdf(certificate: Certificate) -> bytes:
    """The certificate as an A4 landscape PDF, in its language."""
    from fpdf import FPDF

    with translation.override(certificate.language):
        pdf = FPDF(orientation="landscape", unit="mm", format="A4")
        pdf.set_title(_("Certificate") + " " + certificate.display_code)
        pdf.set_author("PACTESUR 2")
        pdf.set_creator("PACTESUR 2")
        pdf.set_auto_page_break(auto=False)
        pdf.add_page()
        pdf.add_font("Noto", "", str(font_path()))
        width = pdf.w - 2 * pdf.l_margin

        pdf.set_draw_color(23, 62, 114)
        pdf.set_line_width(1.2)
        pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)

        def line(text: str, size: float, height: float, gray: int = 20) -> None:
            pdf.set_font("Noto", "", size)
            pdf.set_text_color(gray, gray, gray)
            pdf.set_x(pdf.l_margin)
            pdf.multi_cell(width, height, text, align="C", new_x="LMARGIN", new_y="NEXT")

        pdf.set_y(26)
        line("PACTESUR 2 · Efus", 12, 7, gray=90)
        line(_("Certificate of participation"), 30, 16)
        pdf.ln(6)
        line(_("This certifies that"), 13, 8, gray=70)
        line(certificate.holder_name, 26, 14)
        pdf.ln(2)
        line(_("took part in"), 13, 8, gray=70)
        line(f"{certificate.kind}: {certificate.title}", 17, 9)
        line(_("hosted by %(host)s") % {"host": certificate.host}, 13, 8, gray=50)
        details = period_text(certificate.start, certificate.end)
        if certificate.hours is not None:
            details += " · " + hours_text(certificate)
        line(details, 13, 8, gray=50)

        # The verification block: the code and address on the left, the QR code on the right.
        qr_size = 34.0
        top = pdf.h - 22 - qr_size
        pdf.set_xy(pdf.l_margin + 8, top + 6)
        pdf.set_font("Noto", "", 10)
        pdf.set_text_color(70, 70, 70)
        issued = _date(certificate.issued_at.date())
        pdf.multi_cell(
            width - qr_size - 20,
            5.5,
            _("Issued on %(date)s.") % {"date": issued}
            + "\n"
            + _("Verification code: %(code)s") % {"code": certificate.display_code}
            + "\n"
            + _("Check this certificate at %(url)s") % {"url": verify_url(certificate)},
            new_x="LMARGIN",
            new_y="NEXT",
        )
        _draw_qr(pdf, verify_url(certificate), x=pdf.w - 22 - qr_size, y=top, size=qr_size)
        return bytes(pdf.output())


def _draw_qr(pdf: Any, data: str, *, x: float, y: float, size: float) -> None:
    """A QR code drawn as filled rectangles (vector, no image library), one run per row."""
    import qrcode

    qr = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    cell = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            run = column
            while run < len(row) and row[run]:
                run += 1
            pdf.rect(
                x + column * cell, y + row_index * cell, (run - column) * cell, cell, style="F"
            )
            column = run
