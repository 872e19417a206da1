"""Properties of the credit arithmetic that hold for every contract and every history."""

from decimal import Decimal

from commercials_fixtures import BELOW, BREACHED, MET, NO_DATA, make_contract, result
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from servicepact.domain.periods import parse_period
from servicepact.engine.credits import compute_credits

MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
ORDER = [MET, BELOW, BREACHED]

allocations = st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=4)
regimes = st.fixed_dictionaries(
    {
        "at_risk_percent": st.integers(min_value=1, max_value=25),
        "escalation": st.none() | st.just({"within_months": 6, "multiplier": "1.5"}),
        "earn_back": st.none()
        | st.builds(
            lambda n, partial: {"after_months_met": n, "partial": partial},
            st.integers(min_value=1, max_value=4),
            st.booleans(),
        ),
    }
)
fees = st.decimals(min_value=0, max_value=10**10, places=2)


def build(allocs, regime, currency):
    return make_contract(
        {f"SL-{i:02d}": a for i, a in enumerate(allocs, start=1)},
        currency=currency,
        pool_percent=500,
        **{k: v for k, v in regime.items() if v is not None},
    )


@st.composite
def scenarios(draw):
    allocs = draw(allocations)
    regime = draw(regimes)
    currency = draw(st.sampled_from(["KRW", "USD"]))
    grid = {
        (m, f"SL-{i:02d}"): draw(st.sampled_from([MET, BELOW, BREACHED, NO_DATA]))
        for m in MONTHS
        for i in range(1, len(allocs) + 1)
    }
    money = draw(fees)
    if currency == "KRW":
        money = money.quantize(Decimal(1))
    return build(allocs, regime, currency), grid, money


def run(contract, grid, money, month="2026-06"):
    results = [result(sl, m, status) for (m, sl), status in grid.items()]
    return compute_credits(contract, results, parse_period(month), money)


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_the_months_credits_never_exceed_the_at_risk_amount(scenario):
    contract, grid, money = scenario
    stmt = run(contract, grid, money)
    assert stmt.total <= stmt.at_risk
    assert all(x.charged >= 0 for x in stmt.lines)
    assert stmt.cap_applied == (stmt.total_before_cap > stmt.at_risk)
    if stmt.cap_applied:
        assert stmt.total == stmt.at_risk


@settings(max_examples=60, deadline=None)
@given(scenarios(), st.data())
def test_a_worse_result_never_yields_a_smaller_credit(scenario, data):
    contract, grid, money = scenario
    can_worsen = sorted(k for k, status in grid.items() if status in (MET, BELOW))
    assume(can_worsen)
    key = data.draw(st.sampled_from(can_worsen))
    worse = dict(grid)
    worse[key] = data.draw(st.sampled_from(ORDER[ORDER.index(grid[key]) + 1 :]))
    assert run(contract, worse, money).total >= run(contract, grid, money).total


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_earn_back_never_returns_more_than_was_credited(scenario):
    contract, grid, money = scenario
    for month in MONTHS:
        stmt = run(contract, grid, money, month)
        for earned in stmt.earn_back:
            assert 0 <= earned.returned <= earned.credited
            credited_then = run(contract, grid, money, earned.credit_month)
            assert earned.credited == credited_then.charged_for(earned.service_level_id)
