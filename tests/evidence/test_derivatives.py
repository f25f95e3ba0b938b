"""Files leave the platform only as copies without metadata, linked to the sealed original."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.db import transaction
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader, PdfWriter

from qinglang.cases.models import TransferKind
from qinglang.core.models import LedgerEvent
from qinglang.evidence import derivatives, vault
from qinglang.evidence import services as evidence
from qinglang.evidence.models import EvidenceDerivative, EvidenceItem, EvidenceKind
from tests.cases.handling_factories import CaseWithMaterials, send
from tests.evidence.factories import api_client, upload

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825


def jpeg_with_metadata() -> bytes:
    """Return a JPEG with GPS, camera, artist and an orientation that rotates it."""
    img = Image.new("RGB", (40, 20), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X"
    exif[0x013B] = "张三"
    exif[0x0112] = 6  # rotate 90° on display
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (39.0, 54.0, 27.0)
    gps[3] = "E"
    gps[4] = (116.0, 23.0, 29.0)
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif, icc_profile=b"fake-icc-profile")
    return out.getvalue()


def pdf_with_author() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": "举报人张三", "/Creator": "WPS on 张三的电脑"})
    writer.xmp_metadata = None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def vault_sha(item: EvidenceItem) -> str:
    return hashlib.sha256(vault.read_blob(item.blob.storage_name)).hexdigest()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def on_rectification_order(world, data: bytes, name: str) -> tuple[EvidenceItem, CaseWithMaterials]:
    cwm = CaseWithMaterials(world)
    with transaction.atomic():
        item = evidence.store_upload(upload(name, data), added_by=None, added_by_label="匿名举报人")
        evidence.attach(item, subject=("intake.report", cwm.report_a.pk), acting_user=None)
    send(world, cwm.case, kind=TransferKind.RECTIFICATION_ORDER, evidence_ids=[item.pk])
    return item, cwm


@pytest.fixture
def photo(world):
    item, _ = on_rectification_order(world, jpeg_with_metadata(), "现场照片.jpg")
    return item


def test_website_officer_gets_a_copy_without_gps_linked_to_the_original(
    world, verified_client, photo
):
    original_sha = photo.blob.sha256
    client = verified_client(world.website_user)
    response = client.get(reverse("evidence:download", args=[photo.pk]))
    assert response.status_code == 200
    data = body(response)
    assert data != jpeg_with_metadata()
    served_sha = hashlib.sha256(data).hexdigest()
    assert served_sha != original_sha
    with Image.open(io.BytesIO(data)) as img:
        exif = img.getexif()
        assert not exif.get_ifd(GPS_IFD)
        assert len(exif) == 0
        assert "icc_profile" not in img.info
        assert img.size == (20, 40), "the orientation is applied, not dropped"
    assert b"PhoneMaker" not in data and "张三".encode() not in data
    assert response["X-Original-SHA256"] == original_sha
    assert response["X-Content-SHA256"] == served_sha
    assert "现场照片" not in response["Content-Disposition"]
    derivative = EvidenceDerivative.objects.get()
    assert derivative.original_id == original_sha and derivative.blob.sha256 == served_sha
    assert derivative.removed == ["gps", "camera", "artist", "icc"]
    viewed = LedgerEvent.objects.get(action="evidence.viewed")
    assert viewed.actor == world.website_user
    assert viewed.data == {"sha256": original_sha, "served_sha256": served_sha}
    derived = LedgerEvent.objects.get(action="evidence.derived")
    assert derived.data["derivative_sha256"] == served_sha
    assert vault_sha(photo) == original_sha, "the original in the vault is unchanged"


def test_the_copy_is_made_once_and_served_by_the_api_too(world, verified_client, photo):
    client = verified_client(world.website_user)
    first = body(client.get(reverse("evidence:download", args=[photo.pk])))
    response = api_client(world.website_user).get(reverse("api-evidence-download", args=[photo.pk]))
    assert response.status_code == 200
    assert body(response) == first
    assert EvidenceDerivative.objects.count() == 1
    assert LedgerEvent.objects.filter(action="evidence.derived").count() == 1


def test_website_page_says_it_is_a_copy_and_shows_no_metadata_list(world, verified_client, photo):
    page = verified_client(world.website_user).get(reverse("evidence:item", args=[photo.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="metadata-warning"' not in text
    assert "Download original" not in text and "下载原件" not in text


def test_staff_get_the_original_with_the_warning_on_the_page(world, verified_client, photo):
    client = verified_client(world.beijing_user)
    page = client.get(reverse("evidence:item", args=[photo.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert 'data-testid="metadata-warning"' in text
    for label in derivatives.metadata_labels(["gps", "camera", "artist"]):
        assert label in text
    data = body(client.get(reverse("evidence:download", args=[photo.pk])))
    assert data == jpeg_with_metadata()
    with Image.open(io.BytesIO(data)) as img:
        assert img.getexif().get_ifd(GPS_IFD)
    assert not EvidenceDerivative.objects.exists()
    assert LedgerEvent.objects.get(action="evidence.viewed").data == {"sha256": photo.blob.sha256}


def test_pdf_author_is_stripped_for_outsiders(world, verified_client):
    item, _ = on_rectification_order(world, pdf_with_author(), "截图.pdf")
    original_sha = item.blob.sha256
    client = verified_client(world.website_user)
    data = body(client.get(reverse("evidence:download", args=[item.pk])))
    assert hashlib.sha256(data).hexdigest() != original_sha
    reader = PdfReader(io.BytesIO(data))
    assert not reader.metadata
    assert "/Metadata" not in reader.root_object
    assert len(reader.pages) == 1
    assert "张三".encode("utf-16-be") not in data and b"WPS" not in data
    derivative = EvidenceDerivative.objects.get(original=item.blob)
    assert derivative.original_id == original_sha
    assert set(derivative.removed) >= {"artist", "software"}
    assert vault_sha(item) == original_sha
    staff = verified_client(world.beijing_user)
    assert body(staff.get(reverse("evidence:download", args=[item.pk]))) == pdf_with_author()


def test_preview_task_makes_the_pdf_copy_ahead(world):
    from qinglang.evidence.tasks import make_preview

    item, _ = on_rectification_order(world, pdf_with_author(), "截图.pdf")
    make_preview(item_id=item.pk)
    assert EvidenceDerivative.objects.filter(original=item.blob).exists()


def test_a_file_that_cannot_be_stripped_never_leaves(world, verified_client):
    cwm = CaseWithMaterials(world)
    with transaction.atomic():
        item = evidence.store_bytes(
            b"%PDF-1.4 broken",
            name="坏.pdf",
            media_type="application/pdf",
            kind=EvidenceKind.UPLOAD,
        )
        evidence.attach(item, subject=("intake.report", cwm.report_a.pk), acting_user=None)
    send(world, cwm.case, kind=TransferKind.RECTIFICATION_ORDER, evidence_ids=[item.pk])
    response = verified_client(world.website_user).get(reverse("evidence:download", args=[item.pk]))
    assert response.status_code == 409
    assert b"%PDF" not in response.content
    api = api_client(world.website_user).get(reverse("api-evidence-download", args=[item.pk]))
    assert api.status_code == 409
    assert not EvidenceDerivative.objects.exists()
    actions = ["evidence.viewed", "evidence.derived"]
    assert not LedgerEvent.objects.filter(action__in=actions).exists()


def test_other_parties_still_see_nothing(world, verified_client, client, photo):
    verified_client(world.telecom_user)
    assert client.get(reverse("evidence:download", args=[photo.pk])).status_code == 404
    assert not EvidenceDerivative.objects.exists()
    assert not LedgerEvent.objects.filter(action="evidence.viewed").exists()


def test_text_files_are_served_as_they_are(world, verified_client):
    cwm = CaseWithMaterials(world)
    send(world, cwm.case, kind=TransferKind.RECTIFICATION_ORDER, evidence_ids=[cwm.item_a.pk])
    client = verified_client(world.website_user)
    data = body(client.get(reverse("evidence:download", args=[cwm.item_a.pk])))
    assert data == b"chat-a.txt"
    assert not EvidenceDerivative.objects.exists()


# --- stripping, format by format ------------------------------------------------------------


def _png_with_text_and_icc() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "张三")
    info.add_text("XML:com.adobe.xmp", "<x:xmpmeta>gps</x:xmpmeta>")
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (1, 2, 3, 128)).save(
        out, format="PNG", pnginfo=info, icc_profile=b"icc"
    )
    return out.getvalue()


def _webp_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x013B] = "Zhang San"
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="WEBP", exif=exif, xmp=b"<xmp>gps</xmp>")
    return out.getvalue()


def _animated_gif_with_comment() -> bytes:
    out = io.BytesIO()
    frames = [Image.new("RGB", (8, 8), c).convert("P") for c in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(
        out, format="GIF", save_all=True, append_images=frames[1:], comment=b"shot by zhang"
    )
    return out.getvalue()


@pytest.mark.parametrize(
    ("media_type", "data", "secret"),
    [
        ("image/png", _png_with_text_and_icc(), "张三".encode()),
        ("image/webp", _webp_with_exif(), b"Zhang San"),
        ("image/gif", _animated_gif_with_comment(), b"shot by zhang"),
        ("image/jpeg", jpeg_with_metadata(), b"PhoneMaker"),
    ],
)
def test_each_image_format_is_re_encoded_without_metadata(media_type, data, secret):
    clean = derivatives.strip_metadata(data, media_type)
    assert secret in data and secret not in clean
    with Image.open(io.BytesIO(clean)) as img:
        assert img.format == derivatives.PIL_FORMATS[media_type]
        assert len(img.getexif()) == 0
        assert not {"xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "exif"} & set(img.info)
        assert not getattr(img, "text", {})
        if media_type == "image/gif":
            assert img.n_frames == 2, "animation frames are kept"
