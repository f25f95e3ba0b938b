"""Audio and video leave the platform only as remuxed copies without their metadata.

The files are made here with FFmpeg, carrying what a phone or a recorder writes (GPS position
as QuickTime `©xyz` and Apple's location key, artist, comment, title, make and model, creation
time); each copy is searched byte by byte for those values and read back with FFprobe.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage
from django.db import transaction
from django.urls import reverse

from qinglang.cases.models import TransferKind
from qinglang.core.models import LedgerEvent
from qinglang.evidence import avstrip, derivatives, vault
from qinglang.evidence import services as evidence
from qinglang.evidence.models import EvidenceDerivative, EvidenceItem
from qinglang.evidence.validation import MEDIA_TYPES, validate_bytes
from tests.cases.handling_factories import CaseWithMaterials, send
from tests.evidence.factories import api_client, upload

pytestmark = pytest.mark.django_db

LOCATION = "+35.6586+139.7454/"
SENTINELS = {
    "artist": "SENTINEL-ARTIST-张三",
    "comment": "SENTINEL-COMMENT-举报",
    "title": "SENTINEL-TITLE",
    "make": "SENTINEL-MAKE",
    "model": "SENTINEL-MODEL",
    "creation_time": "2021-05-04T03:02:01Z",
    "location": LOCATION,
}
SECRETS = [
    b"SENTINEL",
    "张三".encode(),
    "举报".encode(),
    b"+35.6586",
    b"139.7454",
    b"2021-05-04",
    b"x264 - core",  # the encoder's settings in an H.264 SEI message
    b"Lavf5",  # FFmpeg's versioned container encoder tag (in the audio bitstream "Lavc" stays)
]
AUDIO = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
VIDEO = ["-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=1"]
APPLE = {
    "com.apple.quicktime.location.ISO6709": "+35.6586+139.7454+040.000/",
    "com.apple.quicktime.make": "SENTINEL-APPLE-MAKE",
    "com.apple.quicktime.model": "SENTINEL-APPLE-MODEL",
}

# name -> (media type, FFmpeg arguments after the inputs, whether the inputs include video)
FILES = {
    "mp3": ("audio/mpeg", ["-c:a", "libmp3lame", "-f", "mp3"], False),
    "wav": ("audio/x-wav", ["-c:a", "pcm_s16le", "-f", "wav"], False),
    "ogg-vorbis": ("audio/ogg", ["-c:a", "libvorbis", "-f", "ogg"], False),
    "ogg-opus": ("audio/ogg", ["-c:a", "libopus", "-f", "ogg"], False),
    "m4a": ("audio/mp4", ["-c:a", "aac", "-f", "ipod"], False),
    "aac": ("audio/aac", ["-c:a", "aac", "-write_apetag", "1", "-f", "adts"], False),
    "mp4": (
        "video/mp4",
        ["-c:v", "libx264", "-c:a", "aac", "-movflags", "+use_metadata_tags", "-f", "mp4"],
        True,
    ),
    "mov": ("video/quicktime", ["-c:v", "libx264", "-c:a", "aac", "-f", "mov"], True),
    "webm": ("video/webm", ["-c:v", "libvpx", "-c:a", "libvorbis", "-f", "webm"], True),
    "mkv": ("video/x-matroska", ["-c:v", "libx264", "-c:a", "libopus", "-f", "matroska"], True),
}


FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
FFPROBE = shutil.which("ffprobe") or "/usr/bin/ffprobe"


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-nostdin", "-v", "error", "-y", *args], check=True)  # noqa: S603


def make_file(tmp_path: Path, name: str) -> bytes:
    """Return a one-second recording of this kind with every sentinel in its metadata."""
    _media_type, output, video = FILES[name]
    tags = dict(SENTINELS, **(APPLE if name == "mp4" else {}))
    meta = [arg for key, value in tags.items() for arg in ("-metadata", f"{key}={value}")]
    inputs = [*VIDEO, *AUDIO] if video else AUDIO
    target = tmp_path / f"original-{name}"
    ffmpeg(*inputs, *meta, *output, str(target))
    return target.read_bytes()


def ffprobe(data: bytes, tmp_path: Path) -> dict:
    path = tmp_path / "probe.bin"
    path.write_bytes(data)
    args = ["-v", "error", "-show_format", "-show_streams", "-show_chapters", "-of", "json"]
    out = subprocess.run(  # noqa: S603 - our own arguments
        [FFPROBE, *args, str(path)],
        check=True,
        capture_output=True,
    )
    return json.loads(out.stdout)


def decodes(data: bytes, tmp_path: Path) -> bool:
    """Return whether FFmpeg decodes every frame of the file without an error."""
    path = tmp_path / "decode.bin"
    path.write_bytes(data)
    run = subprocess.run(  # noqa: S603 - our own arguments
        [FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
    )
    return run.returncode == 0 and not run.stderr.strip()


def all_tags(probed: dict) -> dict[str, str]:
    tags = dict(probed.get("format", {}).get("tags", {}))
    for stream in probed.get("streams", []):
        tags.update(stream.get("tags", {}))
    for chapter in probed.get("chapters", []):
        tags.update(chapter.get("tags", {}))
    return tags


def vault_sha(item: EvidenceItem) -> str:
    return hashlib.sha256(vault.read_blob(item.blob.storage_name)).hexdigest()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def attached_for(world, data: bytes, name: str, kind: str) -> EvidenceItem:
    """Store a reporter's upload on a report and send it out with the case."""
    cwm = CaseWithMaterials(world)
    with transaction.atomic():
        item = evidence.store_upload(upload(name, data), added_by=None, added_by_label="匿名举报人")
        evidence.attach(item, subject=("intake.report", cwm.report_a.pk), acting_user=None)
    send(world, cwm.case, kind=kind, evidence_ids=[item.pk])
    return item


def test_every_accepted_audio_and_video_type_has_a_stripper():
    accepted = {t for t in MEDIA_TYPES if t.startswith(("audio/", "video/"))}
    assert accepted <= avstrip.AV_TYPES
    assert accepted <= derivatives.STRIPPABLE


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_audio_and_video_type_is_remuxed_without_metadata(world, tmp_path, name):
    media_type = FILES[name][0]
    data = make_file(tmp_path, name)
    assert validate_bytes(f"rec.{name}", data) == media_type, "uploads accept this file"
    original_tags = all_tags(ffprobe(data, tmp_path))
    assert any("SENTINEL" in value for value in original_tags.values())
    if name == "mov":
        assert b"\xa9xyz" in data, "the QuickTime location box is in the original"
    if name == "mp4":
        assert b"com.apple.quicktime.location.ISO6709" in data
    with transaction.atomic():
        item = evidence.store_upload(upload(f"录音.{name}", data), added_by=None)
    original_sha = item.blob.sha256

    derivative = derivatives.make_derivative(item)

    assert derivative is not None
    copy = vault.read_blob(derivative.blob.storage_name)
    for secret in SECRETS:
        assert secret not in copy, secret
    probed = ffprobe(copy, tmp_path)
    left = {k: v for k, v in all_tags(probed).items() if not avstrip._is_layout(k, v)}
    assert left == {}
    assert not probed.get("chapters")
    kinds = sorted(s["codec_type"] for s in probed["streams"])
    assert kinds == (["audio", "video"] if FILES[name][2] else ["audio"])
    assert float(probed["format"]["duration"]) > 0.5
    assert decodes(copy, tmp_path), "the copy still plays"
    assert validate_bytes(f"copy.{name}", copy) == media_type, "the copy is still of its type"
    assert derivative.original_id == original_sha
    assert derivative.blob.media_type == media_type
    assert derivative.blob.sha256 == hashlib.sha256(copy).hexdigest()
    assert {"artist", "comment"} <= set(derivative.removed)
    derived = LedgerEvent.objects.get(action="evidence.derived")
    assert derived.data["sha256"] == original_sha
    assert derived.data["derivative_sha256"] == derivative.blob.sha256
    assert vault_sha(item) == original_sha and vault.read_blob(item.blob.storage_name) == data


def amr_recording() -> bytes:
    """One second of AMR-NB (12.2 kbit/s frames): the format itself has no room for tags."""
    return b"#!AMR\n" + (b"\x3c" + bytes(31)) * 50


def test_amr_call_recordings_are_accepted_and_copied(world, tmp_path):
    data = amr_recording()
    assert validate_bytes("通话.amr", data) == "audio/amr"
    with transaction.atomic():
        item = evidence.store_upload(upload("通话.amr", data), added_by=None)
    derivative = derivatives.make_derivative(item)
    assert derivative is not None
    copy = vault.read_blob(derivative.blob.storage_name)
    assert copy.startswith(b"#!AMR\n") and decodes(copy, tmp_path)
    assert validate_bytes("copy.amr", copy) == "audio/amr"
    assert derivative.removed == []
    assert vault.read_blob(item.blob.storage_name) == data


def test_the_worker_task_makes_the_video_copy_ahead(world, tmp_path):
    from qinglang.evidence.tasks import make_preview

    data = make_file(tmp_path, "webm")
    with transaction.atomic():
        item = evidence.store_upload(upload("现场.webm", data), added_by=None)
    assert make_preview(item_id=item.pk) is False, "no picture preview for a video"
    derivative = EvidenceDerivative.objects.get(original=item.blob)
    assert b"SENTINEL" not in vault.read_blob(derivative.blob.storage_name)


def test_video_metadata_codes_name_the_gps_and_the_device(world, tmp_path):
    data = make_file(tmp_path, "mov")
    with transaction.atomic():
        item = evidence.store_upload(upload("现场.mov", data), added_by=None)
    found = derivatives.metadata_found(item.blob)
    assert {"gps", "camera", "artist", "datetime", "comment"} <= set(found)


def test_matroska_vorbis_comments_in_the_codec_header_are_not_kept(tmp_path):
    """Matroska keeps Vorbis headers verbatim in CodecPrivate: the audio is re-encoded."""
    data = bytearray(make_file(tmp_path, "webm"))
    marker = data.find(b"\x03vorbis")
    assert marker > 0
    at = marker + len(b"\x03vorbis")
    length = int.from_bytes(data[at : at + 4], "little")
    # The vendor string, same length, made into a sentinel: no offsets move.
    data[at + 4 : at + 4 + length] = (b"SENTINEL-VENDOR-" * 8)[:length]
    assert b"SENTINEL-VENDOR" in data
    copy, _removed = avstrip.strip_file(io.BytesIO(bytes(data)), "video/webm")
    assert b"SENTINEL-VENDOR" not in copy and b"SENTINEL" not in copy
    assert avstrip.comment_counts(copy) == [0]
    assert decodes(copy, tmp_path)


def _side_tracks(tmp_path: Path) -> dict[str, tuple[str, bytes]]:
    """Cover art in an MP3, a subtitle track of positions in an MP4, an attachment in MKV."""
    (tmp_path / "gps.srt").write_text(
        "1\n00:00:00,000 --> 00:00:01,000\nSENTINEL-GPS +35.6586 +139.7454\n", encoding="utf-8"
    )
    from PIL import Image

    Image.new("RGB", (16, 16)).save(tmp_path / "cover.jpg")
    srt, jpg = str(tmp_path / "gps.srt"), str(tmp_path / "cover.jpg")
    ffmpeg(*AUDIO, "-i", jpg, "-map", "0", "-map", "1", "-c:a", "libmp3lame", "-c:v", "copy",
           "-disposition:v", "attached_pic", "-metadata", "artist=SENTINEL-COVER",
           str(tmp_path / "cover.mp3"))  # fmt: skip
    ffmpeg(*VIDEO, *AUDIO, "-i", srt, "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264",
           "-c:a", "aac", "-c:s", "mov_text", str(tmp_path / "sub.mp4"))  # fmt: skip
    ffmpeg(*VIDEO, "-i", srt, "-attach", jpg, "-metadata:s:t", "mimetype=image/jpeg",
           "-metadata:s:t", "filename=SENTINEL-ATTACHED.jpg", "-map", "0", "-map", "1",
           "-c:v", "libx264", "-c:s", "srt", str(tmp_path / "sub.mkv"))  # fmt: skip
    return {
        "cover.mp3": ("audio/mpeg", (tmp_path / "cover.mp3").read_bytes()),
        "sub.mp4": ("video/mp4", (tmp_path / "sub.mp4").read_bytes()),
        "sub.mkv": ("video/x-matroska", (tmp_path / "sub.mkv").read_bytes()),
    }


def test_cover_pictures_subtitle_tracks_and_attachments_are_dropped(tmp_path):
    for name, (media_type, data) in _side_tracks(tmp_path).items():
        assert b"SENTINEL" in data, name
        copy, removed = avstrip.strip_file(io.BytesIO(data), media_type)
        for secret in SECRETS:
            assert secret not in copy, (name, secret)
        assert b"JFIF" not in copy, "no picture is kept"
        kinds = [s["codec_type"] for s in ffprobe(copy, tmp_path)["streams"]]
        assert "subtitle" not in kinds and "attachment" not in kinds, name
        assert ("picture" if name != "sub.mp4" else "tracks") in removed
        assert decodes(copy, tmp_path), name


def test_the_check_refuses_a_copy_with_comments_left():
    header = b"\x03vorbis" + (6).to_bytes(4, "little") + b"vendor" + (1).to_bytes(4, "little")
    assert avstrip.comment_counts(b"xx" + header + b"\x05\x00\x00\x00a=bcd") == [1]
    clean = b"\x03vorbis" + (6).to_bytes(4, "little") + b"ffmpeg" + (0).to_bytes(4, "little")
    assert avstrip.comment_counts(clean) == [0]


@pytest.mark.parametrize(
    ("kind", "user"),
    [
        (TransferKind.RECTIFICATION_ORDER, "website_user"),
        (TransferKind.CRIMINAL_REFERRAL, "police_user"),
    ],
)
def test_outsiders_download_the_stripped_video(world, verified_client, tmp_path, kind, user):
    data = make_file(tmp_path, "mp4")
    item = attached_for(world, data, "现场视频.mp4", kind)
    original_sha = item.blob.sha256
    outsider = getattr(world, user)

    response = verified_client(outsider).get(reverse("evidence:download", args=[item.pk]))

    assert response.status_code == 200
    served = body(response)
    assert served != data
    for secret in SECRETS:
        assert secret not in served
    assert response["X-Original-SHA256"] == original_sha
    assert response["X-Content-SHA256"] == hashlib.sha256(served).hexdigest()
    assert "现场视频" not in response["Content-Disposition"]
    assert decodes(served, tmp_path)
    api = api_client(outsider).get(reverse("api-evidence-download", args=[item.pk]))
    assert api.status_code == 200 and body(api) == served
    assert EvidenceDerivative.objects.get().original_id == original_sha
    viewed = LedgerEvent.objects.filter(action="evidence.viewed", actor=outsider).first()
    assert viewed is not None and viewed.data["served_sha256"] == hashlib.sha256(served).hexdigest()
    assert vault_sha(item) == original_sha


def test_website_officer_gets_stripped_audio(world, verified_client, tmp_path):
    data = make_file(tmp_path, "mp3")
    item = attached_for(world, data, "通话录音.mp3", TransferKind.RECTIFICATION_ORDER)
    served = body(
        verified_client(world.website_user).get(reverse("evidence:download", args=[item.pk]))
    )
    assert served[:3] != b"ID3", "no ID3 tag at all"
    for secret in SECRETS:
        assert secret not in served
    assert decodes(served, tmp_path)


def test_staff_get_the_original_video_with_the_warning(world, verified_client, tmp_path):
    data = make_file(tmp_path, "mov")
    item = attached_for(world, data, "现场.mov", TransferKind.RECTIFICATION_ORDER)
    client = verified_client(world.beijing_user)
    page = client.get(reverse("evidence:item", args=[item.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert 'data-testid="metadata-warning"' in text
    for label in derivatives.metadata_labels(["gps", "camera", "artist"]):
        assert label in text
    assert body(client.get(reverse("evidence:download", args=[item.pk]))) == data
    assert not EvidenceDerivative.objects.exists()


def _aac_behind_an_id3_tag(tmp_path: Path) -> bytes:
    """An ADTS stream behind an ID3 tag: uploads see MP3, but it is no MP3 stream."""
    target = tmp_path / "tagged.aac"
    ffmpeg(*AUDIO, "-metadata", "artist=SENTINEL-ARTIST", "-c:a", "aac", "-f", "adts",
           "-write_id3v2", "1", str(target))  # fmt: skip
    return target.read_bytes()


def test_a_recording_that_cannot_be_stripped_is_withheld(world, verified_client, tmp_path):
    data = _aac_behind_an_id3_tag(tmp_path)
    assert validate_bytes("rec.mp3", data) == "audio/mpeg"
    item = attached_for(world, data, "录音.mp3", TransferKind.RECTIFICATION_ORDER)
    original_sha = item.blob.sha256

    response = verified_client(world.website_user).get(reverse("evidence:download", args=[item.pk]))

    assert response.status_code == 409
    assert b"SENTINEL" not in response.content and b"ID3" not in response.content
    api = api_client(world.website_user).get(reverse("api-evidence-download", args=[item.pk]))
    assert api.status_code == 409
    assert not EvidenceDerivative.objects.exists()
    assert not LedgerEvent.objects.filter(
        action__in=["evidence.viewed", "evidence.derived"]
    ).exists()
    assert vault_sha(item) == original_sha
    staff = verified_client(world.beijing_user)
    assert body(staff.get(reverse("evidence:download", args=[item.pk]))) == data


def test_without_ffmpeg_audio_and_video_are_withheld(world, verified_client, tmp_path, monkeypatch):
    data = make_file(tmp_path, "m4a")
    item = attached_for(world, data, "录音.m4a", TransferKind.RECTIFICATION_ORDER)
    monkeypatch.setenv("PATH", str(tmp_path))  # a machine where FFmpeg is not installed
    assert not avstrip.available()

    response = verified_client(world.website_user).get(reverse("evidence:download", args=[item.pk]))

    assert response.status_code == 409
    assert b"SENTINEL" not in response.content
    assert not EvidenceDerivative.objects.exists()
    assert not LedgerEvent.objects.filter(action="evidence.viewed").exists()


class RemoteVault(Storage):
    """A vault with no local paths, as S3Storage (django-storages) is: `path` is Storage's own."""

    def __init__(self, location: str) -> None:
        self._inner = FileSystemStorage(location=location)

    def _open(self, name: str, mode: str = "rb") -> File:
        return self._inner._open(name, mode)

    def _save(self, name: str, content: File) -> str:
        return self._inner._save(name, content)

    def exists(self, name: str) -> bool:
        return self._inner.exists(name)

    def delete(self, name: str) -> None:
        self._inner.delete(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self._inner.listdir(path)

    def size(self, name: str) -> int:
        return self._inner.size(name)

    def get_modified_time(self, name: str):  # type: ignore[no-untyped-def]
        return self._inner.get_modified_time(name)


def test_a_remote_vault_is_read_through_a_private_temporary_copy(
    world, tmp_path, settings, monkeypatch
):
    """A vault without local paths (S3): FFprobe and FFmpeg read a private copy, then it goes."""
    import stat
    from contextlib import contextmanager

    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "tests.evidence.test_av_derivatives.RemoteVault",
            "OPTIONS": {"location": str(tmp_path / "remote-vault")},
        },
    }
    with pytest.raises(NotImplementedError):
        vault.storage().path("any")  # what tells the code the vault is remote
    seen: list[tuple[Path, int, dict[str, int]]] = []
    real_workdir = avstrip._workdir

    @contextmanager
    def watched_workdir():  # type: ignore[no-untyped-def]
        with real_workdir() as tmp:
            yield tmp
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp.iterdir()}
            seen.append((tmp, stat.S_IMODE(tmp.stat().st_mode), modes))

    monkeypatch.setattr(avstrip, "_workdir", watched_workdir)
    data = make_file(tmp_path, "mov")
    with transaction.atomic():
        item = evidence.store_upload(upload("现场.mov", data), added_by=None)

    found = derivatives.metadata_found(item.blob)
    derivative = derivatives.make_derivative(item)

    assert {"gps", "camera", "artist", "datetime", "comment"} <= set(found)
    assert derivative is not None
    copy = vault.read_blob(derivative.blob.storage_name)
    for secret in SECRETS:
        assert secret not in copy, secret
    assert decodes(copy, tmp_path)
    assert len(seen) == 2  # one copy to probe, one to strip
    for folder, mode, files in seen:
        assert mode == 0o700
        assert files.get("original.mov") == 0o600
        assert not folder.exists()  # removed once read
    assert vault.read_blob(item.blob.storage_name) == data  # the original is untouched
