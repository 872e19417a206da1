"""Korean messages of the result page (the drill-down), keyed by their English text."""

from __future__ import annotations

KO_RESULTS: dict[str, str] = {
    # the page
    "Breadcrumb": "경로",
    "running": "진행 중",
    "There is a problem": "문제가 있습니다",
    "Exclusion {id} requested: the client decides on it.": (
        "제외 요청 {id}을(를) 보냈습니다. 고객사가 승인 여부를 결정합니다."
    ),
    "Measured again with the current data.": "현재 데이터로 다시 측정했습니다.",
    "This month is closed: the result is frozen as it was closed.": (
        "마감된 월입니다. 결과는 마감 당시 그대로 고정되어 있습니다."
    ),
    "Out of date": "최신 아님",
    "the contract was amended": "계약이 변경됨",
    "the data changed": "데이터가 바뀜",
    "an exclusion was approved": "제외가 승인됨",
    "since this result was measured. The figures below are those of the stored result, "
    "not of the current data.": (
        "(이 결과를 측정한 이후). 아래 수치는 저장된 결과의 수치이며 현재 데이터의 수치가 아닙니다."
    ),
    "Measure again now": "지금 다시 측정",
    "The listed events do not add up to the stored result; measure the month again.": (
        "목록의 이벤트 합계가 저장된 결과와 일치하지 않습니다. 이 달을 다시 측정하세요."
    ),
    "The rule": "규칙",
    "Each event counts at": "이벤트 기준 시점",
    "Parameters": "매개변수",
    "Filter": "필터",
    "Calendar": "캘린더",
    "Times in": "시간대",
    "The figures": "수치",
    "Value": "값",
    "Numerator": "분자",
    "Num. / den.": "분자 / 분모",
    "Denominator": "분모",
    "Events counted": "집계된 이벤트",
    "Excluded": "제외",
    "Listed below": "아래 목록 합계",
    "sum": "합계",
    "s": "초",
    "agrees": "일치",
    "Measured": "측정값",
    "Holiday lists": "공휴일 목록",
    "up to": "측정 시점",
    "Outages": "장애",
    "Open tickets counted": "집계된 미해결 티켓",
    "Download CSV": "CSV 내려받기",
    "Download XLSX": "XLSX 내려받기",
    "Availability is measured in minutes, not events: these are the merged outage runs of the "
    "month in working time.": (
        "가용성은 이벤트가 아니라 분 단위로 측정합니다. "
        "아래는 이 달의 근무 시간 내 장애 구간(겹침 병합)입니다."
    ),
    "Filter by outcome": "결과별 보기",
    "All": "전체",
    "Failed": "실패",
    "No event failed this service level in this month.": (
        "이 달에 이 서비스 수준을 실패한 이벤트가 없습니다."
    ),
    "No events here.": "해당하는 이벤트가 없습니다.",
    "Failing first, then excluded, then met; each by the time it counts at. Times in {zone}.": (
        "실패, 제외, 충족 순이며 각각 기준 시점 순입니다. 시간대: {zone}."
    ),
    "Select": "선택",
    "Select event {id}": "이벤트 {id} 선택",
    "Outcome": "결과",
    "Why": "사유",
    "From": "시작",
    "To": "종료",
    "Working minutes": "근무 시간(분)",
    "Outage events": "장애 이벤트",
    "Event": "이벤트",
    "Counts at": "기준 시점",
    "Target": "목표",
    "Margin": "차이",
    "Pauses": "일시 중지",
    "open": "진행 중",
    "Pages": "페이지",
    "Previous": "이전",
    "Next": "다음",
    "Page {page} of {pages} · {total} in all": "{page} / {pages} 페이지 · 전체 {total}건",
    "Request an exclusion for the selected events": "선택한 이벤트의 제외 요청",
    "Tick the events above that should not count, give the reason and your justification. "
    "The client approves or rejects the request.": (
        "집계에서 빼야 할 이벤트를 위에서 선택하고 사유와 근거를 적으세요. "
        "고객사가 승인하거나 반려합니다."
    ),
    "Choose…": "선택…",
    "Justification": "근거",
    "Request exclusion": "제외 요청",
    "Breakdowns": "분류별 집계",
    "Show the breakdowns by priority, queue, category, channel, day and week": (
        "우선순위, 대기열, 유형, 채널, 일, 주별 집계 보기"
    ),
    "By priority": "우선순위별",
    "By queue": "대기열별",
    "By category": "유형별",
    "By channel": "채널별",
    "By service": "서비스별",
    "By team": "팀별",
    "By day": "일별",
    "By week": "주별",
    "priority": "우선순위",
    "queue": "대기열",
    "category": "유형",
    "channel": "채널",
    "service": "서비스",
    "team": "팀",
    "day": "일",
    "week": "주",
    "Open the events of {sl} in {period}": "{sl}의 {period} 이벤트 보기",
    "Out of date: open the cell to measure it again": "최신 아님: 셀을 열어 다시 측정하세요",
    # exclusion reasons
    "Client-caused": "고객사 원인",
    "Force majeure": "불가항력",
    "Agreed": "합의",
    "client_caused": "고객사 원인",
    "force_majeure": "불가항력",
    "agreed": "합의",
    # form problems
    "Select at least one event to exclude.": "제외할 이벤트를 하나 이상 선택하세요.",
    "Choose a reason.": "사유를 선택하세요.",
    "Say why these events should not count.": "이 이벤트를 집계에서 빼야 하는 근거를 적으세요.",
    "Not a failing event of this result": "이 결과의 실패 이벤트가 아닙니다",
    # measures
    "{n} s": "{n}초",
    "{d} d {h} h": "{d}일 {h}시간",
    "{h} h {m:02d} m": "{h}시간 {m:02d}분",
    "{m} m": "{m}분",
    "exactly on target": "목표와 같음",
    " (business time)": " (업무 시간)",
    "{x} early": "{x} 이름",
    "{x} late": "{x} 늦음",
    "before {t}": "{t} 이전",
    "{n} units": "{n}개",
    "≤ {n} units": "≤ {n}개",
    "{n} over": "{n}개 초과",
    "{n} under": "{n}개 여유",
    # why an event met or failed
    "Later than the target": "목표보다 늦음",
    "Within the target": "목표 이내",
    "Not done": "미완료",
    "Condition not met": "조건 미충족",
    "Condition met": "조건 충족",
    "Worse than the expected level": "기대 수준보다 나쁨",
    "At or better than the expected level": "기대 수준 이상",
    "Open at the month's end and older than the limit": "월말 기준 미해결이며 기준 일수 초과",
    "Unplanned downtime": "계획되지 않은 중단",
    "Planned maintenance (out of agreed time)": "계획 정비 (합의 시간에서 제외)",
    "Not answered": "응대하지 않음",
    "No response yet": "아직 응답 없음",
    "Not resolved yet": "아직 해결되지 않음",
    "Not paid": "지급되지 않음",
    "Not delivered": "배송되지 않음",
    "Delivered short": "수량 부족 배송",
    "Not launched": "시작되지 않음",
    "Abandoned": "포기 호",
    "Not abandoned": "포기하지 않음",
    "Not resolved at first contact": "첫 통화에 해결되지 않음",
    "Resolved at first contact": "첫 통화에 해결됨",
    "Scored 1 to 3": "1~3점",
    "Scored 4 or 5": "4점 또는 5점",
    "Reopened": "재개됨",
    "Not reopened": "재개되지 않음",
    "Paid with an error": "오류와 함께 지급",
    "Paid without error": "오류 없이 지급",
    "Not matched first time": "첫 대사에서 불일치",
    "Matched first time": "첫 대사에서 일치",
    "Paid twice": "중복 지급",
    "Not a duplicate": "중복 아님",
    "Not filled in full": "전량 충족되지 않음",
    "Filled in full": "전량 충족",
    "Not all delivered": "일부 미전달",
    "All delivered": "모두 전달",
    "Not all converted": "일부 미전환",
    "All converted": "모두 전환",
    "Difference over the tolerance": "허용 오차 초과",
    # the compliance page (a quarter, a year, the year to date)
    "Compliance": "준수 현황",
    "Compliance by quarter and year": "분기·연도별 준수 현황",
    "Period": "기간",
    "Year to date": "연초 대비 누계",
    "Show": "보기",
    "Service levels over the period": "기간 중 서비스 수준",
    "Value over the period": "기간 전체 값",
    "% of months met": "충족 월 비율",
    "Months": "월",
    "measured per month": "월 단위 측정",
    "measured per quarter": "분기 단위 측정",
    "measured per contract_year": "계약 연도 단위 측정",
    "Not aggregated: a snapshot at each period's end": "집계 불가: 각 기간 말 시점의 값",
    "{n} to come": "남은 기간 {n}개",
    "The value over the period is recomputed from all its events (not an average of the "
    "months), for information. Each month is judged and credited on its own; % of months met "
    "= months met ÷ months judged (met, below expected or breached).": (
        "기간 전체 값은 기간의 모든 이벤트로 다시 계산한 참고 값입니다(월별 값의 평균이 "
        "아님). 판정과 크레딧은 월마다 따로 합니다. 충족 월 비율 = 충족한 월 ÷ 판정한 월"
        "(충족, 기대 미달, 위반)."
    ),
}
