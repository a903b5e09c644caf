"""seed_demo gives the demo county months of submitted report tables: one township late, one table
corrected, one township not yet filed for the last month; the county's table adds up."""

from datetime import timedelta
from decimal import Decimal

from django.core.management import call_command

from governance.models import ReportFiling, ReportForm, ReportVersion
from governance.report_data import SURVEY
from governance.report_tables import Period, late_tables, live_table, townships_of


def test_the_demo_has_submitted_tables_with_a_late_one_and_a_corrected_one(seeded):
    county = seeded
    filings = ReportFiling.objects.filter(form__code=SURVEY, region__code__startswith=county.prefix)
    assert filings.values("start").distinct().count() >= 3
    assert any(f.late for f in filings) and any(not f.late for f in filings)
    corrected = filings.get(corrected=True)
    assert corrected.versions.count() == 2 and corrected.versions.first().reason
    last = filings.order_by("-start").first()
    after_due = last.due + timedelta(days=1)
    late = {(t.form.code, t.period.start) for t in late_tables(county.prefix, today=after_due)}
    assert (SURVEY, last.start) in late  # a township has not filed the last month

    # The county's table: its townships' submitted figures plus its own (level=county) cases.
    # The first month (a quarter may begin the same day: from 2 December the 366 days start in January).
    months = filings.filter(kind="month")
    start = months.order_by("start").first().start
    form = ReportForm.objects.get(code=SURVEY)
    period = Period("month", start, months.filter(start=start).first().end)
    towns = [
        ReportVersion.objects.filter(
            filing__region=t, filing__form=form, filing__kind="month", filing__start=start
        ).first()
        for t in townships_of(county)
    ]
    table = live_table(form, period, county)
    for key in ("total-found.township", "total-found.village", "total-handled.village", "campaigns.subtotal"):
        expected = sum(Decimal(v.cells[key]["v"] or 0) for v in towns if v)
        assert Decimal(table.cells[key].value or 0) == expected, key
    assert Decimal(table.cells["total-found.township"].value) > 0

    counts = (ReportFiling.objects.count(), ReportVersion.objects.count())
    call_command("seed_demo", force=True, stats_days=0)
    assert (ReportFiling.objects.count(), ReportVersion.objects.count()) == counts
