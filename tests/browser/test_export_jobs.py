"""A township clerk exports the case ledger: the export waits in the queue (0 %), a Celery worker
starts, the page's progress bar moves to done without a reload, and the file downloads."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from disputes import exports
from governance.celery import app
from governance.models import ExportJob
from tests.disputes.conftest import intake
from tests.factories import PASSWORD, build_org

pytestmark = [pytest.mark.browser, pytest.mark.celery]


def test_clerk_exports_the_ledger_and_downloads_it(transactional_db, page, request, screenshot):
    org = build_org()
    numbers = {intake(org, summary=f"甲镇第{n}起纠纷").number for n in range(6)}
    app.control.purge()  # messages another test of this process left in its Redis database

    page.goto("/login/")
    page.get_by_label("用户名").fill("township_officer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    page.get_by_test_id("main-nav").locator('a[data-nav="cases"]').click()
    page.wait_for_url("**/cases/")
    page.get_by_test_id("export-ledger").click()
    page.wait_for_url("**/exports/")

    # No worker yet: the job waits, and the page says so.
    row = page.locator("[data-export-job]").first
    assert row.locator('[data-field="state"]').inner_text() == "排队中"
    assert row.locator('[data-field="progress"]').get_attribute("aria-valuenow") == "0"
    assert not row.locator('[data-field="download"]').is_visible()
    assert "已开始导出" in page.content()
    screenshot("export-queued", page)

    request.getfixturevalue("worker")  # a worker starts and takes the job
    row.locator('[data-field="download"]').wait_for(state="visible", timeout=60_000)
    assert row.locator('[data-field="state"]').inner_text() == "已完成"
    assert row.locator('[data-field="progress"]').get_attribute("aria-valuenow") == "100"
    assert "6 / 6 行" in row.locator('[data-field="rows"]').inner_text()
    screenshot("export-done", page)

    with page.expect_download() as info:
        row.locator('[data-field="download"]').click()
    download = info.value
    assert download.suggested_filename.startswith(exports.SHEET_TITLE) and download.suggested_filename.endswith(".xlsx")
    ws = load_workbook(BytesIO(download.path().read_bytes()))[exports.SHEET_TITLE]
    written = {r[1] for r in ws.iter_rows(min_row=exports.HEADER_ROW + 1, values_only=True) if r[1]}
    assert written == numbers
    assert ExportJob.objects.get().state == ExportJob.State.DONE
