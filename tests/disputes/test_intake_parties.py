"""Intake party blocks (issue 15, finding 13): a block added with ＋ 增加当事人 and left blank is
skipped, wherever it stands; a failed intake points each field at an error element that exists."""

import re

from disputes.models import Case
from tests.disputes.test_intake import form_data

BLANK_ADDED = {  # what the browser posts for a block added and left as it came: the lists keep a value
    "party-TOTAL_FORMS": "3",
    "party-2-role": "applicant",
    "party-2-kind": "person",
    "party-2-name": "",
    "party-2-id_number": "",
    "party-2-phone": "",
    "party-2-address": "",
}


def test_a_blank_added_party_block_does_not_block_saving(org, login):
    client = login(org["township_officer"])
    response = client.post("/cases/new/", form_data(org, **BLANK_ADDED))
    assert response.status_code == 302
    assert Case.objects.get().parties.count() == 2


def test_a_blank_first_block_is_skipped_when_another_holds_the_applicant(org, login):
    client = login(org["township_officer"])
    first_blank = {"party-0-name": "", "party-0-id_number": "", "party-0-phone": "", "party-1-role": "applicant"}
    response = client.post("/cases/new/", form_data(org, **first_blank))
    assert response.status_code == 302
    assert [p.name for p in Case.objects.get().parties.all()] == ["赵六"]


def test_no_party_at_all_is_refused_in_chinese(org, login):
    client = login(org["township_officer"])
    nobody = {f"party-{i}-{f}": "" for i in (0, 1) for f in ("name", "id_number", "phone")}
    response = client.post("/cases/new/", form_data(org, **nobody))
    assert response.status_code == 200
    assert "请至少填写一名申请人" in response.content.decode()
    assert not Case.objects.exists()


def test_every_described_by_id_of_a_failed_intake_exists(org, login):
    client = login(org["township_officer"])
    response = client.post("/cases/new/", form_data(org, summary="", **{"party-0-phone": "12345", "village": ""}))
    html = response.content.decode()
    invalid = re.findall(r'<(?:input|select|textarea)[^>]*aria-invalid="true"[^>]*>', html)
    assert len(invalid) >= 2
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    described = {ref for tag in invalid for ref in re.search(r'aria-describedby="([^"]*)"', tag).group(1).split()}
    assert {"id_summary_error", "id_party-0-phone_error"} <= described
    assert described <= ids, described - ids
