"""Certificates: issuing (idempotent, Unicode, in the holder's language), the holder's download,
the public verification page and its "not found", the rate limit on guessing, the /me/ list and
the data export."""

import datetime
import hashlib
import io
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from accounts.certificates import CODE_ALPHABET, CODE_LENGTH, normalize_code
from accounts.models import Certificate
from tests.accounts.factories import make_certificate, make_member
from tests.cities.factories import ThemeFactory

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def facts(html: str) -> dict[str, str]:
    """The <dt>/<dd> pairs of a page, tags stripped."""
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html, flags=re.S)
    return {re.sub(r"<[^>]+>", "", k).strip(): re.sub(r"<[^>]+>", "", v).strip() for k, v in pairs}


# --- Issuing ---------------------------------------------------------------------------------


def test_issuing_twice_for_the_same_source_returns_the_same_certificate(member):
    source = ThemeFactory()
    first = make_certificate(member, source)
    again = make_certificate(member, source, title="Another title")
    assert again.pk == first.pk
    assert again.title == first.title
    assert again.sha256 == first.sha256
    assert Certificate.objects.count() == 1
    make_certificate(member, ThemeFactory())  # another source: another certificate
    assert Certificate.objects.filter(holder=member).count() == 2


def test_the_stored_hash_is_the_hash_of_the_stored_pdf(member):
    certificate = make_certificate(member)
    pdf = bytes(certificate.pdf)
    assert pdf.startswith(b"%PDF-")
    assert hashlib.sha256(pdf).hexdigest() == certificate.sha256
    assert len(certificate.code) == CODE_LENGTH
    assert set(certificate.code) <= set(CODE_ALPHABET)
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{2}", certificate.display_code)


def test_names_beyond_latin_1_print_as_written(nice_body):
    holder = make_member(nice_body, full_name="Łukasz Wiśniewski")
    certificate = make_certificate(
        holder,
        title="Safety in Xàbia and Kraków",
        host="Straż Miejska w Gdańsku",
        hours=Decimal("14.5"),
    )
    text = pdf_text(bytes(certificate.pdf))
    for words in ("Łukasz Wiśniewski", "Xàbia", "Kraków", "Straż Miejska w Gdańsku"):
        assert words in text
    assert "14.5 hours" in text
    assert certificate.display_code in text
    assert "http://testserver/certificates/" + certificate.display_code + "/" in text
    assert certificate.holder_name == "Łukasz Wiśniewski"


def test_the_pdf_is_in_the_holders_language(nice_body):
    holder = make_member(nice_body, language="fr")
    certificate = make_certificate(
        holder, start=datetime.date(2024, 11, 4), end=datetime.date(2024, 11, 4)
    )
    text = pdf_text(bytes(certificate.pdf))
    assert certificate.language == "fr"
    assert "Certificat de participation" in text
    assert "le 4 novembre 2024" in text


def test_a_language_without_translation_gets_english(nice_body):
    holder = make_member(nice_body, language="es")
    certificate = make_certificate(holder)
    assert certificate.language == "en"
    assert "Certificate of participation" in pdf_text(bytes(certificate.pdf))


@pytest.mark.parametrize(
    "typed,expected",
    [
        ("K7QF-29XM-PD", "K7QF29XMPD"),
        ("k7qf 29xm pd", "K7QF29XMPD"),
        ("K7QF29XMPD", "K7QF29XMPD"),
        ("K7QF-29XM-PO", "K7QF29XMP0"),  # O is read as 0, I and L as 1
        ("K7QF-29XM-PI", "K7QF29XMP1"),
        ("K7QF-29XM-P", None),
        ("K7QF-29XM-PDX", None),
        ("K7QF-29XM-P!", None),
        ("", None),
    ],
)
def test_typed_codes_are_read_leniently(typed, expected):
    assert normalize_code(typed) == expected


# --- The public page -------------------------------------------------------------------------


def test_the_verify_page_shows_exactly_what_the_certificate_certifies(client, nice_body):
    holder = make_member(nice_body, full_name="Łukasz Wiśniewski", position="Sergeant")
    certificate = make_certificate(holder, hours=Decimal("7.50"))
    response = client.get(reverse("accounts:certificate_verify", args=[certificate.display_code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert facts(html) == {
        "Name": "Łukasz Wiśniewski",
        "Kind": "Training",
        "Title": "Police academy on major events",
        "Dates": "May 13, 2024 to May 17, 2024",
        "Hours": "7.5",
        "Host": "Police municipale de Nice",
        "Verification code": certificate.display_code,
        "SHA-256 of the PDF as issued": certificate.sha256,
    }
    # Nothing else about the person.
    for private in (holder.email, "Sergeant", "Nice (", str(holder.pk) + "/"):
        assert private not in html


def test_the_hash_shown_is_the_hash_of_the_downloaded_pdf(client, member):
    certificate = make_certificate(member)
    client.force_login(member)
    download = client.get(reverse("accounts:certificate_download", args=[certificate.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    shown = facts(client.get(certificate.get_absolute_url()).content.decode())
    assert shown["SHA-256 of the PDF as issued"] == hashlib.sha256(download.content).hexdigest()


def test_the_code_is_found_whatever_its_case_and_dashes(client, member):
    certificate = make_certificate(member)
    for typed in (certificate.code.lower(), certificate.display_code.lower()):
        response = client.get(reverse("accounts:certificate_verify", args=[typed]))
        assert response.status_code == 200
        assert certificate.sha256 in response.content.decode()


def test_an_unknown_code_gets_a_404_that_says_what_to_check(client, member):
    make_certificate(member)
    for typed in ("ZZZZ-ZZZZ-ZZ", "not-a-code", "x" * 60):
        response = client.get(reverse("accounts:certificate_verify", args=[typed]))
        assert response.status_code == 404
        html = response.content.decode()
        assert "Certificate not found" in html
        assert "ten letters and digits" in html
        assert 'name="code"' in html  # the form to type it again


def test_the_lookup_form_leads_to_the_verify_page(client, member):
    certificate = make_certificate(member)
    assert client.get(reverse("accounts:certificate_lookup")).status_code == 200
    response = client.get(
        reverse("accounts:certificate_lookup"), {"code": certificate.code.lower()}
    )
    assert response.status_code == 302
    assert response["Location"] == certificate.get_absolute_url()
    missing = client.get(reverse("accounts:certificate_lookup"), {"code": "12"})
    assert missing.status_code == 404
    assert "Certificate not found" in missing.content.decode()


def test_guessing_codes_is_rate_limited_per_address(client, member):
    certificate = make_certificate(member)
    guesses = [
        client.get(reverse("accounts:certificate_verify", args=[f"AAAA-AAAA-{n:02d}"]))
        for n in range(31)
    ]
    assert [r.status_code for r in guesses[:30]] == [404] * 30
    assert guesses[30].status_code == 429
    # Even a real code waits now, from that address; another address is not held up.
    assert client.get(certificate.get_absolute_url()).status_code == 429
    other = client.get(certificate.get_absolute_url(), REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200


def test_real_codes_do_not_count_against_the_limit(client, member):
    certificate = make_certificate(member)
    for _ in range(40):
        assert client.get(certificate.get_absolute_url()).status_code == 200


def test_verify_page_queries(client, member, django_assert_num_queries):
    certificate = make_certificate(member)
    url = certificate.get_absolute_url()
    client.get(url)  # warm the site and content type caches
    # 1. the certificate (without its PDF)
    with django_assert_num_queries(1):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(1):  # 1. no such certificate
        assert (
            client.get(reverse("accounts:certificate_verify", args=["AAAA-AAAA-AA"])).status_code
            == 404
        )


# --- The holder's pages ----------------------------------------------------------------------


def test_the_download_is_the_holders_alone(client, member, nice_body):
    certificate = make_certificate(member)
    url = reverse("accounts:certificate_download", args=[certificate.pk])
    client.force_login(make_member(nice_body))
    assert client.get(url).status_code == 404
    client.force_login(member)
    assert client.get(url).content == bytes(certificate.pdf)


def test_my_account_lists_my_certificates(client, member, nice_body):
    mine = make_certificate(member, title="Academy in Gdańsk")
    make_certificate(make_member(nice_body), title="Someone else's academy")
    client.force_login(member)
    html = client.get(reverse("accounts:dashboard")).content.decode()
    assert "Academy in Gdańsk" in html
    assert reverse("accounts:certificate_download", args=[mine.pk]) in html
    assert mine.display_code in html
    assert "Someone else" not in html


def _dashboard_queries(client, user) -> int:
    client.force_login(user)
    client.get(reverse("accounts:dashboard"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("accounts:dashboard")).status_code == 200
    return len(queries)


def test_my_certificates_cost_one_query_whatever_their_number(client, nice_body):
    one, many = make_member(nice_body), make_member(nice_body)
    make_certificate(one)
    for _ in range(25):
        make_certificate(many)
    assert _dashboard_queries(client, one) == _dashboard_queries(client, many)


def test_the_data_export_has_my_certificates(client, member):
    certificate = make_certificate(member, hours=Decimal("3"))
    client.force_login(member)
    data = json.loads(client.get(reverse("accounts:export")).content)
    assert data["certificates"] == [
        {
            "kind": "Training",
            "title": certificate.title,
            "host": certificate.host,
            "start": "2024-05-13",
            "end": "2024-05-17",
            "hours": "3.00",
            "code": certificate.code,
            "language": "en",
            "issued_at": data["certificates"][0]["issued_at"],
            "sha256": certificate.sha256,
        }
    ]


def test_a_deleted_account_leaves_its_certificates_verifiable(client, member):
    from accounts import services

    certificate = make_certificate(member)
    services.user_delete(user=member)
    certificate.refresh_from_db()
    assert certificate.holder is None
    response = client.get(certificate.get_absolute_url())
    assert response.status_code == 200
    assert certificate.holder_name in response.content.decode()


def test_a_lazy_label_is_printed_in_the_holders_language(nice_body):
    from django.utils.translation import gettext_lazy

    holder = make_member(nice_body, language="fr")
    certificate = make_certificate(holder, kind=gettext_lazy("Verification code"))
    assert certificate.kind == "Code de vérification"


def test_efus_staff_without_two_factor_cannot_download(client, member, efus_staff_without_mfa):
    certificate = make_certificate(member)
    client.force_login(efus_staff_without_mfa)
    url = reverse("accounts:certificate_download", args=[certificate.pk])
    assert client.get(url).status_code == 404


def test_efus_staff_read_a_certificate_in_the_admin_but_cannot_change_it(
    client, member, efus_staff
):
    certificate = make_certificate(member)
    client.force_login(efus_staff)
    url = reverse("admin:accounts_certificate_change", args=[certificate.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert certificate.sha256 in response.content.decode()
    client.post(url, {"title": "Edited"})
    certificate.refresh_from_db()
    assert certificate.title == "Police academy on major events"
    changelist = client.get(reverse("admin:accounts_certificate_changelist"))
    assert certificate.code in changelist.content.decode()


def test_the_database_refuses_dates_in_the_wrong_order_and_negative_hours(member):
    from django.db import IntegrityError, transaction

    with transaction.atomic(), pytest.raises(IntegrityError):
        make_certificate(member, start=datetime.date(2024, 5, 17), end=datetime.date(2024, 5, 13))
    with transaction.atomic(), pytest.raises(IntegrityError):
        make_certificate(member, hours=Decimal("-1"))
    assert not Certificate.objects.exists()


def test_a_code_already_taken_is_drawn_again(member, monkeypatch):
    from accounts import certificates

    taken = make_certificate(member).code
    codes = iter([taken, "ABCDEFGH23"])
    monkeypatch.setattr(certificates, "new_code", lambda: next(codes))
    assert make_certificate(member).code == "ABCDEFGH23"
