"""What an uploaded file is, judged by its content: the kind sniffed from its first bytes (filetype),
the extension that kind allows, and for Office files (zip archives) their entry count and
uncompressed size, read from the archive's directory without unpacking anything. Case attachments
(disputes/services.py) and the grid import (grids/forms.py) both ask here."""

from __future__ import annotations

import os
import re
import uuid
import zipfile

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The extensions each accepted kind may carry: a PNG named shell.php is refused.
EXTENSIONS = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "application/pdf": (".pdf",),
    "application/msword": (".doc",),
    DOCX: (".docx",),
    "application/vnd.ms-excel": (".xls",),
    XLSX: (".xlsx",),
    "audio/mpeg": (".mp3",),
    "audio/x-wav": (".wav",),
}
# The part every Word / Excel package has (ECMA-376 Part 2); a zip without it is not one.
OFFICE_PARTS = {DOCX: "word/document.xml", XLSX: "xl/workbook.xml"}
# A real document has tens of parts and a few MB unpacked; a zip bomb has thousands or gigabytes.
MAX_ARCHIVE_ENTRIES = 1000
MAX_ARCHIVE_BYTES = 50 * 1024 * 1024
# Names shown to people are cut to this many characters (the extension kept).
MAX_NAME_LENGTH = 100


def display_name(name: str) -> str:
    """The name a person gave the file, without folders or control characters, at most MAX_NAME_LENGTH long."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", os.path.basename(name.replace("\\", "/"))).strip() or "file"
    if len(name) <= MAX_NAME_LENGTH:
        return name
    stem, ext = os.path.splitext(name)
    ext = ext[:10]
    return stem[: MAX_NAME_LENGTH - len(ext) - 1] + "…" + ext


def stored_name(mime: str) -> str:
    """A short, safe name for the stored file: random, with the extension of its real kind."""
    return f"{uuid.uuid4().hex}{EXTENSIONS[mime][0]}"


def _refuse(message: str, name: str, code: str) -> ValidationError:
    return ValidationError(message % {"name": display_name(name)}, code=code)


def check_archive(upload: UploadedFile, mime: str) -> None:
    """An Office file: a readable zip with its main part, not too many entries, not too big unpacked."""
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(_("文件“%(name)s”已损坏，无法打开。"), upload.name, "corrupt") from exc
    finally:
        upload.seek(0)
    if len(entries) > MAX_ARCHIVE_ENTRIES or sum(e.file_size for e in entries) > MAX_ARCHIVE_BYTES:
        raise _refuse(
            _("文件“%(name)s”解压后过大或包含的文件过多，疑似压缩炸弹，已拒收。"), upload.name, "archive_too_big"
        )
    if OFFICE_PARTS[mime] not in {e.filename for e in entries}:
        raise _refuse(_("文件“%(name)s”的内容与扩展名不符。"), upload.name, "not_office")


def sniff(upload: UploadedFile, allowed: set[str], unsupported: str) -> str:
    """The file's real kind among `allowed`, from its content; refuses a kind not allowed, an
    extension that does not match the content, and an Office archive that is too big unpacked.
    `unsupported` is the message for a kind not allowed, with %(name)s for the file's name."""
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    ext = os.path.splitext(upload.name)[1].lower()
    if mime in ("application/zip", DOCX, XLSX):
        # filetype tells a docx from an xlsx only by the first entries; the extension says which is
        # claimed, and check_archive looks for that kind's main part.
        mime = {".docx": DOCX, ".xlsx": XLSX}.get(ext, "application/zip")
    elif mime == "application/x-ole-storage" or (kind is None and ext in (".doc", ".xls")):
        mime = {".doc": "application/msword", ".xls": "application/vnd.ms-excel"}.get(ext, "application/x-ole-storage")
    if mime not in allowed:
        raise _refuse(unsupported, upload.name, "unsupported")
    if ext not in EXTENSIONS[mime]:
        raise _refuse(_("文件“%(name)s”的扩展名与文件内容不符，已拒收。"), upload.name, "extension")
    if mime in OFFICE_PARTS:
        check_archive(upload, mime)
    return mime
