"""The compliance page of a contract: each service level over a quarter, a year or the year to
date. web_world: February 15 of 20 calls within 20 s = 75 % (expected 80 %, minimum 75 %:
below expected); January and the running March are not evaluated; today is 2026-03-02."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_world import sign_in

PAGE = "/contracts/acme-cs-2026/compliance"


def test_the_contract_page_links_to_the_compliance_page(client: TestClient) -> None:
    sign_in(client, "alice")
    assert f'href="{PAGE}"' in client.get("/contracts/acme-cs-2026?lang=en").text


def test_a_quarter_shows_the_value_over_it_and_its_months(client: TestClient) -> None:
    sign_in(client, "alice")
    response = client.get(PAGE + "?period=2026-Q1&lang=en")
    assert response.status_code == 200, response.text
    page = response.text
    assert "2026-01-01 – 2026-03-31" in page
    assert "75.00 %" in page  # 15 of 20 over the quarter
    assert "15 / 20" in page
    assert "0.00 %" in page  # of months met: February below expected, the only month judged
    assert 'href="/contracts/acme-cs-2026/results/SL-01/2026-02"' in page  # the month opens
    assert "Below expected" in page
    assert 'href="?period=2026-YTD"' in page  # the choices: year to date, quarters, years
    assert 'href="?period=2026"' in page
    # the term starts on 2026-01-01: no period before it is offered, nor Q2 not yet begun
    assert "period=2025" not in page
    assert 'href="?period=2026-Q2"' not in page
    assert 'aria-current="page">2026 Q1' in page


def test_the_year_to_date_is_the_default_and_the_page_speaks_korean(client: TestClient) -> None:
    sign_in(client, "alice")
    page = client.get(PAGE + "?lang=ko").text
    assert "준수 현황" in page
    assert "2026-01-01 – 2026-03-31" in page  # January to the end of the running March
    assert "충족 월 비율" in page


def test_an_unknown_period_is_a_422_saying_why(client: TestClient) -> None:
    sign_in(client, "alice")
    for period, message in (
        ("abc", "is not a period"),
        ("2026-Q5", "a quarter is Q1, Q2, Q3 or Q4"),
        ("2026-13", "month must be 01-12"),
    ):
        response = client.get(PAGE, params={"period": period, "lang": "en"})
        assert response.status_code == 422
        assert message in response.text


def test_a_period_outside_the_term_is_a_422_not_an_empty_report(client: TestClient) -> None:
    sign_in(client, "alice")
    response = client.get(PAGE, params={"period": "2025-Q1", "lang": "en"})
    assert response.status_code == 422
    assert "no measured period of 2025-Q1 lies within the contract&#39;s term" in response.text
    assert "2026-01-01 to 2028-12-31" in response.text
    korean = client.get(PAGE, params={"period": "2025", "lang": "ko"})
    assert korean.status_code == 422
    assert "2025에는 계약 기간(2026-01-01 ~ 2028-12-31) 안의 측정 기간이 없습니다" in korean.text


def test_another_vendor_gets_404(client: TestClient) -> None:
    sign_in(client, "charlie")
    refused = client.get(PAGE + "?period=2026-Q1")
    assert refused.status_code == 404
    assert "15 / 20" not in refused.text
