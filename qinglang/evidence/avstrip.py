"""Audio and video without their metadata: a remux by FFmpeg, checked before it may leave.

A phone recording carries who and where in its container: the GPS position (QuickTime `©xyz`,
`com.apple.quicktime.location.ISO6709`), the device make and model, the creation time, ID3 tags
(artist, comment, cover picture), Vorbis comments, Matroska tags, chapters and attachments, and
sometimes a timed track of positions (a subtitle or data stream, as drones and dash cameras
write). The copy that leaves the platform is a remux with FFmpeg (`-c copy`, no re-encoding, so
sound and picture are the original's): only the audio streams and the real video streams are
kept (no cover pictures, subtitles, data streams or attachments), global, stream and chapter
metadata are dropped, the muxer writes no encoder tag (`bitexact`), H.264 and HEVC lose their
SEI messages (where encoders write their settings), MP3 gets no ID3 tag.

The copy is then checked, never trusted: FFprobe must read it with the same streams, it must
carry no tag beyond the container's own layout fields, and no value of any tag the original
carried may be found anywhere in its bytes. A file that fails any of this is not stripped
(`StripError`) and the caller withholds it: the original never leaves in its place.

FFmpeg reads only local files (`-protocol_whitelist file`), with the demuxer named for the type
that upload validation found in the bytes (no probing into playlists or other formats), with a
time limit. It is run by the worker or on first outside use, never at start-up.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

# Media type -> (FFmpeg demuxer, FFmpeg muxer, file extension). Every audio and video type that
# upload validation accepts (qinglang.evidence.validation.MEDIA_TYPES) is here.
FORMATS: dict[str, tuple[str, str, str]] = {
    "audio/mpeg": ("mp3", "mp3", "mp3"),
    "audio/x-wav": ("wav", "wav", "wav"),
    "audio/ogg": ("ogg", "ogg", "ogg"),
    "audio/mp4": ("mov", "ipod", "m4a"),
    "audio/amr": ("amr", "amr", "amr"),
    "audio/aac": ("aac", "adts", "aac"),
    "video/mp4": ("mov", "mp4", "mp4"),
    "video/quicktime": ("mov", "mov", "mov"),
    "video/webm": ("matroska", "webm", "webm"),
    "video/x-matroska": ("matroska", "matroska", "mkv"),
}
AV_TYPES = frozenset(FORMATS)
TIMEOUT_SECONDS = 600
# SEI NAL unit types: H.264 6; HEVC 39 (prefix) and 40 (suffix).
# Codecs whose header packets carry Vorbis comments (tags) that Matroska keeps verbatim in the
# track's CodecPrivate; there they are re-encoded (the Ogg muxer writes fresh headers itself).
XIPH_REENCODE = {"vorbis": "libvorbis", "theora": "libtheora", "speex": "libopus", "flac": "flac"}
MATROSKA = frozenset({"matroska"})
SEI_FILTERS = {"h264": "filter_units=remove_types=6", "hevc": "filter_units=remove_types=39|40"}
MUXER_OPTIONS: dict[str, list[str]] = {
    "mp3": ["-id3v2_version", "0", "-write_id3v1", "0"],
    "wav": ["-write_bext", "0"],
}
# Tags that describe the container's layout, not the person or the device; with these values.
LAYOUT_TAGS = frozenset(
    {"major_brand", "minor_version", "compatible_brands", "language", "vendor_id", "duration"}
)
NEUTRAL_HANDLERS = frozenset(
    {"", "videohandler", "soundhandler", "subtitlehandler", "core media video", "core media audio"}
)
NEUTRAL_VALUES = frozenset({"und", "eng", "[0][0][0][0]", "ffmpeg", "lavf", "lavc"})
BITEXACT_ENCODER = re.compile(r"\A(Lavf|Lavc)( [a-z0-9_]+)?\Z")
SHORTEST_SECRET = 6  # shorter values (e.g. "1", "Apple") could occur in any compressed data

# Tag names (lower case, any part) by what they reveal; the codes of derivatives.METADATA_LABELS.
_TAG_CODES = (
    (("location", "gps", "xyz", "iso6709", "latitude", "longitude"), "gps"),
    (("make", "model", "manufacturer", "camera", "device", "lens"), "camera"),
    (("artist", "author", "composer", "performer", "album_artist", "owner"), "artist"),
    (("copyright",), "copyright"),
    (("creation_time", "creationdate", "date", "year", "time"), "datetime"),
    (("encoder", "encoded_by", "software", "tool", "writing", "muxing", "vendor"), "software"),
    (("serial",), "serial"),
    (("comment", "lyrics"), "comment"),
    (("title", "album", "description", "synopsis", "subject", "show"), "description"),
    (("keywords", "genre", "grouping", "category"), "keywords"),
)


class StripError(ValueError):
    """The file could not be remuxed into a copy that is proven to carry no metadata."""


class ToolMissingError(StripError):
    """FFmpeg or FFprobe is not installed on this machine."""


@dataclass
class Probe:
    """What FFprobe reads in a file: its streams and every tag, by where the tag sits."""

    streams: list[dict[str, Any]] = field(default_factory=list)
    tags: list[tuple[str, str]] = field(default_factory=list)  # (name, value)
    chapters: int = 0

    def kept_streams(self) -> list[str]:
        """Return the codec types of the streams a derivative keeps (audio, real video)."""
        kept = []
        for stream in self.streams:
            kind = stream.get("codec_type")
            attached = (stream.get("disposition") or {}).get("attached_pic")
            if kind == "audio" or (kind == "video" and not attached):
                kept.append(kind)
        return kept

    def pictures(self) -> int:
        return sum(
            1
            for s in self.streams
            if s.get("codec_type") == "attachment"
            or (s.get("codec_type") == "video" and (s.get("disposition") or {}).get("attached_pic"))
        )

    def others(self) -> int:
        return sum(1 for s in self.streams if s.get("codec_type") in {"subtitle", "data"})


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise ToolMissingError(f"{name} is not installed")
    return path


def available() -> bool:
    """Return whether FFmpeg and FFprobe are installed (audio and video can be stripped)."""
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def _run(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(  # noqa: S603 - fixed argument list, no shell
            args,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
        )
    except subprocess.TimeoutExpired as exc:
        raise StripError(f"{Path(args[0]).name} took longer than {TIMEOUT_SECONDS} s") from exc


def probe(path: Path, media_type: str) -> Probe:
    """Return FFprobe's reading of a file of this type; raise StripError if it cannot read it."""
    demuxer = FORMATS[media_type][0]
    result = _run(
        [
            _binary("ffprobe"),
            "-v",
            "error",
            "-protocol_whitelist",
            "file",
            "-f",
            demuxer,
            "-show_entries",
            "format_tags:stream=codec_type,codec_name:stream_tags:stream_disposition=attached_pic"
            ":chapter_tags:chapter=id",
            "-of",
            "json",
            f"file:{path}",
        ]
    )
    if result.returncode != 0:
        raise StripError(f"ffprobe cannot read the file: {_tail(result.stderr)}")
    data = json.loads(result.stdout or b"{}")
    found = Probe(streams=list(data.get("streams") or []))
    found.tags.extend(_pairs(data.get("format", {}).get("tags")))
    for stream in found.streams:
        found.tags.extend(_pairs(stream.get("tags")))
    chapters = data.get("chapters") or []
    found.chapters = len(chapters)
    for chapter in chapters:
        found.tags.extend(_pairs(chapter.get("tags")))
    return found


def _pairs(tags: Any) -> Iterator[tuple[str, str]]:
    for name, value in (tags or {}).items():
        yield str(name), str(value)


def _tail(stderr: bytes) -> str:
    return stderr.decode("utf-8", "replace").strip()[-300:]


def _is_layout(name: str, value: str) -> bool:
    key = name.lower()
    if key in LAYOUT_TAGS:
        return True
    if key == "handler_name":
        return value.strip().lower() in NEUTRAL_HANDLERS
    if key in {"encoder", "vendor"}:
        # What FFmpeg writes in bitexact mode: its name and the codec's, never a version.
        return value.strip().lower() in NEUTRAL_VALUES or bool(BITEXACT_ENCODER.match(value))
    return False


def identifying_tags(found: Probe) -> list[tuple[str, str]]:
    """Return the tags that are not the container's own neutral layout fields."""
    return [(n, v) for n, v in found.tags if not _is_layout(n, v)]


def tag_code(name: str) -> str:
    """Return the metadata code of a tag name (see derivatives.METADATA_LABELS)."""
    key = name.lower()
    for parts, code in _TAG_CODES:
        if any(part in key for part in parts):
            return code
    return "tags"


def metadata_codes(found: Probe) -> set[str]:
    """Return the codes of what a probed file carries that identifies someone."""
    codes = {tag_code(name) for name, _value in identifying_tags(found)}
    if found.pictures():
        codes.add("picture")
    if found.others():
        codes.add("tracks")
    if found.chapters:
        codes.add("chapters")
    return codes


@contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="qinglang-av-") as tmp:
        os.chmod(tmp, 0o700)
        yield Path(tmp)


def _copy_in(src: IO[bytes], dest: Path) -> None:
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        shutil.copyfileobj(src, out, 1024 * 1024)


def probe_file(src: IO[bytes], media_type: str) -> Probe:
    """Return FFprobe's reading of a stored file (copied to a private temporary file)."""
    with _workdir() as tmp:
        path = tmp / f"original.{FORMATS[media_type][2]}"
        _copy_in(src, path)
        return probe(path, media_type)


def _remux_args(source: Path, target: Path, media_type: str, found: Probe) -> list[str]:
    demuxer, muxer, _ext = FORMATS[media_type]
    args = [
        _binary("ffmpeg"),
        "-nostdin",
        "-hide_banner",
        "-v",
        "error",
        "-protocol_whitelist",
        "file",
        "-f",
        demuxer,
        "-i",
        f"file:{source}",
        "-map",
        "0:a?",
        "-map",
        "0:V?",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-c",
        "copy",
        "-fflags",
        "+bitexact",
        "-flags:v",
        "+bitexact",
        "-flags:a",
        "+bitexact",
    ]
    audio = [s for s in found.streams if s.get("codec_type") == "audio"]
    video = [s for s in found.streams if s.get("codec_type") == "video"]
    real = [s for s in video if not (s.get("disposition") or {}).get("attached_pic")]
    for letter, streams in (("a", audio), ("v", real)):
        for index, stream in enumerate(streams):
            codec = str(stream.get("codec_name"))
            if demuxer in MATROSKA and codec in XIPH_REENCODE:
                args += [f"-c:{letter}:{index}", XIPH_REENCODE[codec]]
            elif letter == "v" and codec in SEI_FILTERS:
                args += [f"-bsf:v:{index}", SEI_FILTERS[codec]]
    args += MUXER_OPTIONS.get(muxer, [])
    args += ["-f", muxer, "-y", f"file:{target}"]
    return args


# Header packets that hold Vorbis comments: Vorbis, Theora, Opus (OpusTags); each is followed by
# a vendor string and the number of comments, both little-endian with a 32-bit length.
_COMMENT_HEADERS = (b"\x03vorbis", b"\x81theora", b"OpusTags")


def comment_counts(data: bytes) -> list[int]:
    """Return the number of user comments in each Vorbis-comment header found in the bytes."""
    counts = []
    for marker in _COMMENT_HEADERS:
        start = data.find(marker)
        while start >= 0:
            at = start + len(marker)
            vendor = int.from_bytes(data[at : at + 4], "little")
            at += 4 + vendor
            if vendor < 1 << 16 and at + 4 <= len(data):
                counts.append(int.from_bytes(data[at : at + 4], "little"))
            start = data.find(marker, start + 1)
    return counts


def _check(original: Probe, copy: Probe, copy_bytes: bytes) -> None:
    """Raise StripError unless the copy keeps the streams and carries nothing identifying."""
    if not copy.kept_streams() or sorted(copy.kept_streams()) != sorted(original.kept_streams()):
        raise StripError(
            f"the copy has streams {copy.kept_streams()}, the original {original.kept_streams()}"
        )
    left = identifying_tags(copy)
    if left or copy.pictures() or copy.others() or copy.chapters:
        raise StripError(f"the copy still carries {sorted(n for n, _v in left)}")
    if any(comment_counts(copy_bytes)):
        raise StripError("the copy still carries Vorbis comments in a codec header")
    for _name, value in identifying_tags(original):
        for piece in {value, value.strip()}:
            secret = piece.encode("utf-8")
            if len(secret) >= SHORTEST_SECRET and secret in copy_bytes:
                raise StripError("a value of the original's metadata is still in the copy")


def strip_file(src: IO[bytes], media_type: str) -> tuple[bytes, list[str]]:
    """Return the stripped copy of an audio or video file and the codes of what it removed.

    Raise StripError (ToolMissingError if FFmpeg is absent) when no copy proven clean can be made.
    """
    if media_type not in FORMATS:
        raise StripError(f"{media_type} is not an audio or video type")
    ext = FORMATS[media_type][2]
    with _workdir() as tmp:
        source = tmp / f"original.{ext}"
        target = tmp / f"copy.{ext}"
        _copy_in(src, source)
        original = probe(source, media_type)
        result = _run(_remux_args(source, target, media_type, original))
        if result.returncode != 0 or not target.exists():
            raise StripError(f"ffmpeg could not remux the file: {_tail(result.stderr)}")
        copy = probe(target, media_type)
        data = target.read_bytes()
    _check(original, copy, data)
    return data, sorted(metadata_codes(original))
