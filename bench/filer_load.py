"""Millions of small objects into SeaweedFS in a minute: written as filer metadata, not PUT one by one.

A PUT through SeaweedFS's S3 gateway costs ~1.5 ms of server CPU here (gateway, filer,
volume server), so 1,000,000 files would take ~25 minutes on two cores. Instead the
files are encoded as the filer's own metadata records, each object's bytes held inline
in its entry, and loaded with `weed shell`'s `fs.meta.load` (parallel `CreateEntry`
calls). The S3 gateway then lists and serves them like any uploaded object: the same
key, size, content and ETag (the MD5 of the content, as S3 gives a single-part PUT).

The record format is the one `fs.meta.save` writes: per entry a 4-byte big-endian
length, then a `FullEntry` protobuf (directory, and an `Entry`: name, attributes,
inline content, extended attributes). Encoded here by hand: a few fields, no
protobuf dependency.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import obstore
import obstore.exceptions
from obstore.store import S3Store

from bench.seaweed import Server, weed_binary
from checkpoint_devtools.local_s3 import upload
from checkpoint_devtools.sample_log import LogFile

FILE_MODE = 0o660
DIR_MODE = (1 << 31) | 0o771  # Go's os.ModeDir | permissions
MIME = "application/json"
LOAD_CONCURRENCY = 64
ETAG_ATTRIBUTE = b"Seaweed-X-Amz-ETag"


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_varint(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _field_bytes(number: int, value: bytes) -> bytes:
    return _varint((number << 3) | 2) + _varint(len(value)) + value


def _attributes(size: int, mode: int, mtime: int, md5: bytes | None) -> bytes:
    """FuseAttributes: file_size 1, mtime 2, file_mode 3, crtime 6, mime 7, md5 14."""
    out = _field_varint(1, size) + _field_varint(2, mtime) + _field_varint(3, mode) + _field_varint(6, mtime)
    if md5 is not None:
        out += _field_bytes(7, MIME.encode()) + _field_bytes(14, md5)
    return out


def file_record(directory: str, name: str, body: bytes, mtime: int) -> bytes:
    """One length-prefixed FullEntry for a file whose content is held in the entry itself."""
    md5 = hashlib.md5(body, usedforsecurity=False).digest()
    etag = _field_bytes(1, ETAG_ATTRIBUTE) + _field_bytes(2, md5.hex().encode())
    entry = (
        _field_bytes(1, name.encode())
        + _field_bytes(4, _attributes(len(body), FILE_MODE, mtime, md5))
        + _field_bytes(5, etag)
        + _field_bytes(9, body)
    )
    return _framed(_field_bytes(1, directory.encode()) + _field_bytes(2, entry))


def directory_record(parent: str, name: str, mtime: int) -> bytes:
    attributes = _attributes(0, DIR_MODE, mtime, None)
    entry = _field_bytes(1, name.encode()) + _field_varint(2, 1) + _field_bytes(4, attributes)
    return _framed(_field_bytes(1, parent.encode()) + _field_bytes(2, entry))


def _framed(message: bytes) -> bytes:
    return len(message).to_bytes(4, "big") + message


def write_records(path: Path, bucket: str, files: Iterable[LogFile], mtime: int) -> set[str]:
    """The metadata file for `files` in `bucket` (folders first); returns the keys it holds."""
    root = f"/buckets/{bucket}"
    folders: set[str] = set()
    keys: set[str] = set()
    with path.with_suffix(".files").open("wb") as out:
        for file in files:
            folder, _, name = file.key.rpartition("/")
            if not name or "//" in file.key or file.key.startswith("/"):
                raise ValueError(f"key {file.key!r} has an empty path segment: PUT it instead")
            folders.add(folder)
            keys.add(file.key)
            out.write(file_record(f"{root}/{folder}" if folder else root, name, file.body, mtime))
    with path.open("wb") as out:
        for folder in sorted(_with_parents(folders), key=lambda f: f.count("/")):
            parent, _, name = folder.rpartition("/")
            out.write(directory_record(f"{root}/{parent}" if parent else root, name, mtime))
        with path.with_suffix(".files").open("rb") as records:
            while chunk := records.read(1 << 20):
                out.write(chunk)
    path.with_suffix(".files").unlink()
    return keys


def _with_parents(folders: set[str]) -> set[str]:
    out = set()
    for folder in folders:
        parts = folder.split("/") if folder else []
        out.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return out


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def _fields(message: bytes) -> dict[int, bytes | int]:
    """The fields of one protobuf message as written here (varints and length-delimited; last wins)."""
    out: dict[int, bytes | int] = {}
    at = 0
    while at < len(message):
        tag, at = _read_varint(message, at)
        if tag & 7 == 0:
            out[tag >> 3], at = _read_varint(message, at)
        else:
            size, at = _read_varint(message, at)
            out[tag >> 3] = message[at : at + size]
            at += size
    return out


def files_in(path: Path, bucket: str, keys: set[str]) -> list[LogFile]:
    """The files of `keys` as recorded in the metadata file at `path` (to write again another way)."""
    root = f"/buckets/{bucket}/"
    found: list[LogFile] = []
    with path.open("rb") as records:
        while header := records.read(4):
            full = _fields(records.read(int.from_bytes(header, "big")))
            entry = _fields(full[2])  # type: ignore[arg-type]
            folder = bytes(full[1]).decode()  # type: ignore[arg-type]
            key = (folder + "/").removeprefix(root) + bytes(entry[1]).decode()  # type: ignore[arg-type]
            if key in keys and 9 in entry:
                found.append(LogFile(key, bytes(entry[9])))  # type: ignore[arg-type]
    return found


@dataclass(frozen=True)
class Loaded:
    """What a load did: files, the seconds `fs.meta.load` took, and files it dropped (written by PUT)."""

    files: int
    load_s: float
    written_again: int


def load_files(server: Server, store: S3Store, bucket: str, prefix: str, files: Iterable[LogFile]) -> Loaded:
    """Load `files` (all under `prefix`) into the existing `bucket`, then check every key lists.

    `fs.meta.load` has been seen to drop a few entries in a million (none of its calls
    fail): the keys that do not list are written again through S3 from the same records.
    """
    if server.master is None or server.filer is None:
        raise ValueError("loading through the filer needs SeaweedFS's master and filer addresses")
    with tempfile.TemporaryDirectory(prefix="bench-meta-") as folder:
        path = Path(folder) / "events.meta"
        keys = write_records(path, bucket, files, int(time.time()))
        started = time.perf_counter()
        _meta_load(server, path, len(keys))
        elapsed = time.perf_counter() - started
        missing = keys - _listed_keys(store, prefix)
        if missing:
            upload(store, files_in(path, bucket, missing), concurrency=16)
    return Loaded(len(keys), elapsed, len(missing))


def _listed_keys(store: S3Store, prefix: str, attempts: int = 6) -> set[str]:
    """Every key under `prefix`; the gateway can drop connections for a while after a big load."""
    for attempt in range(1, attempts + 1):
        try:
            return {meta["path"] for page in obstore.list(store, prefix=prefix, chunk_size=1000) for meta in page}
        except obstore.exceptions.GenericError:
            if attempt == attempts:
                raise
            time.sleep(10)
    raise AssertionError("unreachable")


def _meta_load(server: Server, path: Path, count: int) -> None:
    command = f"fs.meta.load -concurrency={LOAD_CONCURRENCY} -v=false {path}\n"
    done = subprocess.run(
        [str(weed_binary()), "shell", f"-master={server.master}", f"-filer={server.filer}"],
        input=command,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if done.returncode != 0 or f"{count} files" not in done.stdout:
        raise RuntimeError(f"fs.meta.load failed ({done.returncode}): {(done.stdout + done.stderr)[-2000:]}")
