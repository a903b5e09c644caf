"""A mediator takes a dispatched case from sign-off to a signed agreement, in a real browser,
and downloads the agreement as Word and PDF; the files are opened and read back."""

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from disputes import services as case_services
from disputes.models import Category
from mediation.models import Mediator, Membership, Organisation
from tests.browser.test_case_lifecycle import act, go, sign_in
from tests.disputes.conftest import intake
from tests.factories import build_org

pytestmark = pytest.mark.browser

AGREED = "王五于二〇二六年七月一日前拆除越界围墙并赔偿赵六损失人民币一千二百元"


def test_mediator_records_a_session_and_produces_the_agreement(
    transactional_db, browser, live_server, screenshot, tmp_path
):
    org = build_org()
    Organisation.objects.create(unit=org.mediation_a, kind=Organisation.Kind.TOWNSHIP, region=org.town_a)
    zhao = Mediator.objects.create(name="赵德明", user=org["mediator"], employment="full")
    zhao.specialties.set(Category.objects.filter(code="neighbourhood"))
    Membership.objects.create(organisation=org.mediation_a.mediation_org, mediator=zhao, role="director")
    parties = [
        case_services.PartyData(role="applicant", name="赵六", phone="13700137000"),
        case_services.PartyData(role="respondent", name="王五"),
    ]
    case = intake(org, parties=parties, summary="王五与赵六因宅基地界址发生争执，王五所建围墙越界约半米。")
    case_services.dispatch_case(
        case=case,
        by=org["township_officer"],
        lead_unit=org.mediation_a,
        due=timezone.localdate() + timedelta(days=20),
        version=case.version,
    )

    page = sign_in(browser, live_server, "mediator")
    go(page, "调解工作")
    page.get_by_test_id("work-to_assign").get_by_role("link", name=case.number).click()
    assert "请先在“案件详情”中签收" in page.content()
    page.get_by_role("link", name="返回案件详情").click()
    act(page, "签收", "action-sign")
    page.get_by_test_id("mediation-link").click()

    assign = page.get_by_test_id("assign-form")
    assert "赵德明" in page.get_by_test_id("suggestions").inner_text()
    assign.get_by_label("赵德明（专职，在办 0 件）").check()
    assign.get_by_role("button", name="指派").click()
    assert "剩 " in page.get_by_test_id("mediation-clock").inner_text()
    screenshot("mediation-case-assigned", page)

    page.get_by_test_id("new-session").click()
    form = page.get_by_test_id("session-form")
    form.get_by_label("调解地点").fill("甲镇人民调解委员会调解室")
    form.get_by_label("申请人 赵六 陈述").fill("王五的围墙越过界址半米，要求拆除并赔偿菜地损失。")
    form.get_by_label("被申请人 王五 陈述").fill("愿意拆除越界部分，赔偿金额希望协商。")
    form.get_by_label("达成调解协议").check()
    form.get_by_role("button", name="保存笔录").click()
    assert "请确认已告知" in page.get_by_test_id("session-form").inner_text()  # the notice comes first
    screenshot("mediation-session-error", page)
    page.get_by_test_id("session-form").get_by_label("调解前已向当事人送达并告知《权利义务告知书》").check()
    page.get_by_test_id("session-form").get_by_role("button", name="保存笔录").click()
    assert "第1次" in page.get_by_test_id("sessions").inner_text()

    page.get_by_test_id("draft-agreement").click()
    form = page.get_by_test_id("agreement-form")
    assert "宅基地界址" in form.get_by_label("纠纷主要事实").input_value()
    form.get_by_label("各方责任").fill("王五建墙越界，应承担全部责任。")
    form.get_by_label("经调解，双方自愿达成如下协议").fill(AGREED + "。")
    form.get_by_label("履行方式").fill("拆除围墙；赔偿款现金支付")
    form.get_by_label("履行地点").fill("甲镇一村赵六家")
    row = page.get_by_test_id("obligation-0")
    row.get_by_label("履行义务人").fill("王五")
    row.get_by_label("履行内容").fill("拆除越界围墙并赔偿一千二百元")
    row.get_by_label("履行期限").fill((timezone.localdate() + timedelta(days=10)).isoformat())
    screenshot("mediation-agreement-form", page)
    form.get_by_role("button", name="保存草稿").click()
    finalize = page.get_by_test_id("finalize-form")
    finalize.get_by_label("各方当事人已签名（盖章或按指印），调解员已签名，并加盖调委会印章").check()
    finalize.get_by_role("button", name="签订生效").click()
    assert "已生效" in page.get_by_test_id("agreement-1").inner_text()
    screenshot("mediation-agreement-final", page)

    with page.expect_download() as docx_download:
        page.get_by_test_id("download-docx").click()
    with page.expect_download() as pdf_download:
        page.get_by_test_id("download-pdf").click()
    docx_path, pdf_path = tmp_path / "agreement.docx", tmp_path / "agreement.pdf"
    docx_download.value.save_as(docx_path)
    pdf_download.value.save_as(pdf_path)

    from docx import Document

    text = "\n".join(p.text for p in Document(str(docx_path)).paragraphs)
    for words in ("人民调解协议书", "赵六", "王五", AGREED, "一式三份"):
        assert words in text, words

    pdf_text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = "".join(pdf_text.split())
    for words in ("人民调解协议书", "赵六", "王五", AGREED):
        assert words in flat, words
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf_path), str(tmp_path / "page")], check=True
    )
    png = next(tmp_path.glob("page*.png"))
    from tests.browser.conftest import SCREENSHOTS

    (SCREENSHOTS / "mediation-agreement-pdf.png").write_bytes(png.read_bytes())
    assert png.stat().st_size > 10_000  # a page with text on it, not a blank one


def test_the_township_center_adds_a_mediator_to_the_roster(transactional_db, browser, live_server, screenshot):
    org = build_org()
    committee = Organisation.objects.create(unit=org.mediation_a, kind=Organisation.Kind.TOWNSHIP, region=org.town_a)
    clerk = sign_in(browser, live_server, "township_officer")
    go(clerk, "调解组织")
    clerk.get_by_role("link", name="甲镇人民调解委员会").first.click()
    clerk.get_by_test_id("add-mediator").click()
    form = clerk.get_by_test_id("mediator-form")
    form.get_by_label("姓名").fill("周秀兰")
    form.get_by_label("在本组织的职务").select_option(label="委员")
    form.get_by_label("联系电话").fill("13900001111")
    form.get_by_label("专兼职").select_option(label="专职")
    form.get_by_label("人员来源").select_option(label="“五老”人员")
    form.get_by_label("婚姻家庭").check()
    screenshot("mediation-roster-form", clerk)
    form.get_by_role("button", name="保存").click()
    clerk.wait_for_url(f"**/mediation/organisations/{committee.pk}/")
    members = clerk.get_by_test_id("members").inner_text()
    assert "周秀兰" in members and "婚姻家庭" in members and "委员" in members
    screenshot("mediation-roster", clerk)
