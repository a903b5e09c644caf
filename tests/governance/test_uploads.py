"""Uploads are judged by their content: a zip bomb named .docx, a PNG named shell.php and an
overlong name are handled before anything is stored; Excel is parsed with defusedxml."""

import zipfile
from io import BytesIO

import openpyxl.xml
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document
from openpyxl import Workbook

from disputes.models import Attachment, Case
from grids.models import Grid
from tests.disputes.test_intake import PNG, form_data
from tests.grids.test_import import upload, workbook


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def docx_bytes() -> bytes:
    out = BytesIO()
    document = Document()
    document.add_paragraph("证据说明")
    document.save(out)
    return out.getvalue()


def zip_bomb(part: str, megabytes: int = 200) -> bytes:
    """A small zip that unpacks to `megabytes` of zeros under `part`."""
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive, archive.open(part, "w", force_zip64=True) as f:
        block = b"\x00" * (1024 * 1024)
        for _n in range(megabytes):
            f.write(block)
    return out.getvalue()


def intake_with(client, org, *files):
    return client.post("/cases/new/", {**form_data(org), "attachments": list(files)})


def test_a_zip_bomb_named_docx_is_refused_and_nothing_stored(org, login, media):
    bomb = zip_bomb("word/document.xml")
    assert len(bomb) < 1024 * 1024  # small on the wire, 200 MB unpacked
    response = intake_with(login(org["township_officer"]), org, SimpleUploadedFile("证据.docx", bomb))
    assert response.status_code == 200
    assert "疑似压缩炸弹" in response.content.decode()
    assert not Case.objects.exists() and not Attachment.objects.exists()
    assert not list(media.rglob("*.*"))


def test_a_zip_of_many_entries_is_refused(org, login, media):
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
        for n in range(1500):
            archive.writestr(f"x/{n}", "")
    response = intake_with(login(org["township_officer"]), org, SimpleUploadedFile("证据.docx", out.getvalue()))
    assert "疑似压缩炸弹" in response.content.decode()
    assert not Case.objects.exists()


def test_a_plain_zip_named_docx_is_refused(org, login, media):
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a document")
    response = intake_with(login(org["township_officer"]), org, SimpleUploadedFile("证据.docx", out.getvalue()))
    assert "内容与扩展名不符" in response.content.decode()
    assert not Case.objects.exists()


def test_a_png_named_shell_php_is_refused(org, login, media):
    response = intake_with(login(org["township_officer"]), org, SimpleUploadedFile("shell.php", PNG))
    assert "扩展名与文件内容不符" in response.content.decode()
    assert not Case.objects.exists() and not list(media.rglob("*.*"))


@pytest.mark.parametrize("name", ["照片.jpg", "证据.docx.png.pdf", "shell.php.png"])
def test_a_png_must_be_named_png(org, login, media, name):
    response = intake_with(login(org["township_officer"]), org, SimpleUploadedFile(name, PNG))
    assert ("扩展名与文件内容不符" in response.content.decode()) == (not name.endswith(".png"))


def test_a_real_docx_is_taken(org, login, media):
    intake_with(login(org["township_officer"]), org, SimpleUploadedFile("调解申请书.docx", docx_bytes()))
    attachment = Attachment.objects.get()
    assert attachment.content_type.endswith("wordprocessingml.document")
    assert attachment.file.name.endswith(".docx")


def test_a_300_character_name_is_stored_short_and_shown_bounded(org, login, media):
    name = "很长的文件名" * 50 + ".png"  # 304 characters, 900+ bytes in UTF-8
    client = login(org["township_officer"])
    response = intake_with(client, org, SimpleUploadedFile(name, PNG))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    stored = attachment.file.name.rsplit("/", 1)[-1]
    assert len(stored) <= 60 and stored.endswith(".png")  # a timestamp and a random hex name
    assert len(attachment.original_name) <= 100
    assert attachment.original_name.startswith("很长的文件名") and attachment.original_name.endswith(".png")
    download = client.get(f"/cases/{attachment.case.number}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML is True


def billion_laughs_workbook() -> bytes:
    """A real workbook whose sheet XML declares nested entities (the "billion laughs")."""
    source = BytesIO(workbook([["990101001001009", "九网格", "990101001001", "综合网格", 10, 30]], []))
    entities = '<!ENTITY a "ha">' + "".join(
        f'<!ENTITY {chr(98 + n)} "{("&" + chr(97 + n) + ";") * 10}">' for n in range(8)
    )
    out = BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for entry in original.infolist():
            data = original.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                head, _, body = text.partition("?>")
                text = f"{head}?><!DOCTYPE worksheet [{entities}]>{body}".replace("<v>30</v>", "<v>&i;</v>", 1)
                data = text.encode()
            bomb.writestr(entry, data)
    return out.getvalue()


def test_a_billion_laughs_workbook_is_refused_cleanly(org, login):
    response = upload(login(org["township_officer"]), billion_laughs_workbook())
    assert response.status_code == 200
    assert "无法读取该文件" in response.content.decode()
    assert not Grid.objects.filter(code="990101001001009").exists()


def test_an_external_entity_workbook_is_refused_cleanly(org, login):
    wb = Workbook()
    wb.active.title = "网格"
    source = BytesIO()
    wb.save(source)
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(source.getvalue())) as original, zipfile.ZipFile(out, "w") as evil:
        for entry in original.infolist():
            data = original.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                head, _, body = data.decode().partition("?>")
                data = f'{head}?><!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>{body}'.encode()
            evil.writestr(entry, data)
    response = upload(login(org["township_officer"]), out.getvalue())
    assert response.status_code == 200
    assert "无法读取该文件" in response.content.decode()
    assert "root:" not in response.content.decode()


def test_a_zip_bomb_named_xlsx_is_refused_before_it_is_unpacked(org, login):
    response = upload(login(org["township_officer"]), zip_bomb("xl/workbook.xml"), "网格.xlsx")
    assert "疑似压缩炸弹" in response.content.decode()


def test_a_png_named_xlsx_is_refused(org, login):
    response = upload(login(org["township_officer"]), PNG, "网格.xlsx")
    assert "无法读取该文件" in response.content.decode()
