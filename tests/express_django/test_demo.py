"""The demo data tells the same story on any day of the year: 福清站's 有发无到 page, opened with its default
window, lists the two parcels the demo built for it, from two origin stations (the page the browser test and
the README's screenshot show)."""

from io import StringIO

import pytest
from django.core.management import call_command

from kefu.express.forms import ArrivalsForm
from kefu.express.models import Station
from kefu.express.selectors import sent_not_arrived_by_origin
from kefu.timeutil import local_now

# the first morning of every month (last month's settlement waybills are then a few days old), a year's end
# and a make-up working Saturday
MOMENTS = [f"2027-{month:02d}-01 00:30" for month in range(1, 13)] + ["2026-12-31 23:30", "2026-10-10 10:00"]


@pytest.mark.parametrize("moment", [pytest.param(m, marks=pytest.mark.clock(m)) for m in MOMENTS])
def test_fuqing_misses_the_two_demo_parcels_from_two_stations_on_any_day(db, moment):
    call_command("demo_data", "--tickets", "0", stdout=StringIO())
    fuqing = Station.objects.get(code="FQ01")
    form = ArrivalsForm(
        {**ArrivalsForm.defaults(fuqing.brand, local_now().date()), "station": fuqing.pk}, brand=fuqing.brand
    )
    assert form.is_valid(), form.errors
    groups = sent_not_arrived_by_origin(fuqing, **dict(zip(("since", "until"), form.period(), strict=True)))
    assert [(g.origin.code, len(g.scans)) for g in groups] == [("SH01", 1), ("XM01", 1)]
