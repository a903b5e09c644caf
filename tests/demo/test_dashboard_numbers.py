"""Every number of the leaders' dashboard on the demo county adds up to the list it links to."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from governance.dashboard import build
from tests.governance.test_dashboard import drilled


# A side of an indicator that counts places (villages visited, villages) has no list of records.
def counts_places(side: str) -> bool:
    return all(term.strip().startswith("places:") or term.strip() == "villages" for term in side.split("+"))


def test_every_number_of_the_demo_adds_up_to_its_case_list(seeded, client):
    """On the demo county: every card's numerator and denominator (and the count beside it), ring
    slice, bar and trend point of the county's and a township's dashboard links to a list whose
    records equal the number, for 本季 and 本年 — the case list, or another app's list for its
    metrics (zero-reports, agreements); a number without a link fails unless it counts places.
    One township's tiles and place rows lead to its dashboard, whose cards add up the same way."""
    from governance.models import Indicator, User

    checked = 0

    def check_cards(board) -> int:
        n = 0
        for card in board.cards:
            indicator, figure = card.indicator, card.result.current
            if indicator.unit == Indicator.Unit.COUNT:
                assert card.numerator_url or counts_places(indicator.numerator), indicator.code
                if card.numerator_url:
                    assert drilled(client, card.numerator_url)[0] == (figure.value or 0), indicator.code
                    n += 1
            else:
                for url, side, number in (
                    (card.numerator_url, indicator.numerator, figure.numerator),
                    (card.denominator_url, indicator.denominator, figure.denominator),
                ):
                    assert url or counts_places(side), (indicator.code, side)
                    if url and number is not None:
                        assert drilled(client, url)[0] == number, (indicator.code, side)
                        n += 1
            if card.beside is not None and card.beside.indicator.unit == Indicator.Unit.COUNT:
                assert card.beside_url, card.beside.indicator.code
                assert drilled(client, card.beside_url)[0] == (card.beside.current.value or 0)
                n += 1
        return n

    for username in ("leader", "tleader"):
        user = User.objects.get(username=username)
        client.force_login(user)
        for window in ("quarter", "year"):
            board, problem = build(user, {"w": window})
            assert problem == ""
            checked += check_cards(board)
            for _dim, _title, slices in board.rings:
                for piece in slices[:3]:
                    assert drilled(client, piece["url"])[0] == piece["value"]
                    checked += 1
            for series in board.open_by_colour["series"]:
                for point in series["points"][:3]:
                    if point["url"]:
                        records, cases = drilled(client, point["url"])
                        assert records == cases == point["value"]  # a stock counts each case once
                        checked += 1
        # A month of the trend (受理 by default): the list of that month's receipts.
        point = next(p for p in board.trend["series"][0]["points"] if p["value"])
        assert drilled(client, point["url"])[0] == point["value"]
        # Every drill stays in the person's jurisdiction.
        assert all(
            parse_qs(urlparse(c.numerator_url).query)["in"][0].startswith(board.place.prefix)
            for c in board.cards
            if c.numerator_url
        )
    # One township, clicked from the county's tile grid (the place rows lead to the same page):
    # its dashboard's numbers add up too.
    leader = User.objects.get(username="leader")
    client.force_login(leader)
    county, _problem = build(leader, {"w": "quarter"})
    tile = county.tiles["tiles"][0]
    assert tile["url"] == next(r.url for r in county.rows if r.place.prefix == tile["place"].prefix)
    query = {k: v[0] for k, v in parse_qs(urlparse(tile["url"]).query).items()}
    township, _problem = build(leader, query)
    assert township.place.prefix == tile["place"].prefix
    checked += check_cards(township)
    assert checked > 100
