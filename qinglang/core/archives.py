"""Zip containers (XLSX workbooks) inspected before a parser opens them: no zip bombs.

An XLSX file is a ZIP archive. openpyxl inflates its members as it reads them, so a 1 MB upload
that inflates to gigabytes, or holds a hundred thousand members, would exhaust a worker's memory
before any row is validated. Every member is inflated here first, in bounded chunks, against a
total size, a per-member ratio and a member count; nested archives are refused outright.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from django.utils.translation import gettext as _

from qinglang.core.exceptions import DomainError

MAX_MEMBERS = 2_000
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # XML compresses 10-30x; a bomb compresses 1,000x and more
_CHUNK = 64 * 1024
_NESTED = (b"PK\x03\x04", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")


def check_zip_container(
    content: bytes,
    *,
    max_members: int = MAX_MEMBERS,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_ratio: int = MAX_RATIO,
) -> None:
    """Refuse a ZIP container that is malformed, too large once inflated, or nests archives.

    The sizes a ZIP declares can lie, so members are inflated and counted, not trusted.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise DomainError(_("The file is not a readable XLSX workbook.")) from exc
    if len(members) > max_members:
        raise DomainError(
            _("The workbook holds more than %(n)d parts; it is refused as a possible zip bomb.")
            % {"n": max_members}
        )
    total = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise DomainError(_("Encrypted workbooks are not accepted."))
        if (
            member.file_size > max_total_bytes
            or member.file_size > max(member.compress_size, 1) * max_ratio + _CHUNK
        ):
            raise _bomb()
        inflated = 0
        try:
            with archive.open(member) as stream:
                first = b""
                while chunk := stream.read(_CHUNK):
                    if not first:
                        first = chunk[:4]
                    inflated += len(chunk)
                    total += len(chunk)
                    if total > max_total_bytes or inflated > (
                        max(member.compress_size, 1) * max_ratio + _CHUNK
                    ):
                        raise _bomb()
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError) as exc:
            raise DomainError(_("The file is not a readable XLSX workbook.")) from exc
        if first.startswith(_NESTED) and not member.filename.lower().endswith(
            (".bin", ".emf", ".wmf", ".png", ".jpeg", ".jpg")
        ):
            raise DomainError(_("Archives inside the workbook are not accepted."))


def _bomb() -> DomainError:
    return DomainError(
        _(
            "The workbook inflates to far more than its size; it is refused as a possible zip "
            "bomb. Save it again from a spreadsheet program, or upload it as CSV."
        )
    )
