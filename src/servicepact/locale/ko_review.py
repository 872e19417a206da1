"""Korean for the monthly review in the browser: uploads, responses, decisions, invoices,
sign-off, close and the review pack (kept apart from ``ko.py`` so each part stays readable)."""

from __future__ import annotations

KO_REVIEW: dict[str, str] = {
    # uploads
    "Upload data": "데이터 업로드",
    "Back to the contract": "계약으로 돌아가기",
    "Send a file": "파일 보내기",
    "CSV (UTF-8 or CP949), Excel (.xlsx), JSON Lines or Parquet, up to {mb} MB. The type is "
    "read from the content. The same file twice changes nothing.": (
        "CSV(UTF-8 또는 CP949), Excel(.xlsx), JSON Lines, Parquet, 최대 {mb} MB. 형식은 파일 "
        "내용으로 판단합니다. 같은 파일을 두 번 올려도 바뀌는 것은 없습니다."
    ),
    "File": "파일",
    "Text encoding (CSV)": "문자 인코딩(CSV)",
    "Detect": "자동 감지",
    "Accept the valid rows and quarantine the others (otherwise one bad row refuses the "
    "whole file)": (
        "유효한 행만 받고 나머지는 격리(선택하지 않으면 잘못된 행 하나로 파일 전체가 거부됨)"
    ),
    "Upload": "업로드",
    "Upload progress": "업로드 진행률",
    "Recent batches": "최근 배치",
    "Loaded by": "적재자",
    "Nothing loaded yet: choose the source and the file above.": (
        "아직 적재된 데이터가 없습니다. 위에서 소스와 파일을 선택하세요."
    ),
    "Upload another file": "다른 파일 업로드",
    "Checking and storing the file": "파일을 검사하고 저장하는 중",
    "Progress": "진행률",
    "bytes": "바이트",
    "You may leave this page: the load continues, and its batch appears on the contract.": (
        "이 페이지를 떠나도 적재는 계속되며, 배치는 계약 화면에 표시됩니다."
    ),
    "Already loaded: nothing changed": "이미 적재됨: 바뀐 것 없음",
    "The same content was loaded before as batch #{seq}; nothing was stored again.": (
        "같은 내용이 이미 배치 #{seq}(으)로 적재되어 다시 저장하지 않았습니다."
    ),
    "Stored, with rows quarantined": "저장됨(일부 행 격리)",
    "Stored": "저장됨",
    "Batch": "배치",
    "Open the contract": "계약 열기",
    "value": "값",
    "and {n} more": "외 {n}건",
    "The load did not finish: nothing was stored": (
        "적재가 끝나지 않았습니다: 아무것도 저장되지 않았습니다"
    ),
    "Withdrawn: finding #{id} of batch #{seq}": "철회됨: 배치 #{seq}의 통제 발견 사항 #{id}",
    "Narrowed: finding #{id} of batch #{seq}": "범위 축소: 배치 #{seq}의 통제 발견 사항 #{id}",
    "The file was refused: nothing was stored": (
        "파일이 거부되었습니다: 아무것도 저장되지 않았습니다"
    ),
    "{n} problems; fix them and upload the file again, or choose “accept the valid rows”.": (
        "문제 {n}건. 수정한 뒤 다시 업로드하거나 ‘유효한 행만 받기’를 선택하세요."
    ),
    "Download all as CSV": "전체를 CSV로 내려받기",
    "Column": "열",
    "Value (masked)": "값(마스킹)",
    "Pages": "페이지",
    "Previous": "이전",
    "Page {page} of {pages}": "{pages}쪽 중 {page}쪽",
    "Next": "다음",
    # the month's review
    "Monthly review": "월간 리뷰",
    "partial: the month is still running": "부분: 아직 진행 중인 월",
    "State": "상태",
    "Closed": "마감됨",
    "by {who} on {when}": "{who}, {when}",
    "Reopened": "재개됨",
    "by {who} on {when}: {why}": "{who}, {when}: {why}",
    "Open": "진행 중",
    "Vendor sign-off": "공급사 확인",
    "Acknowledged by {who} on {when}": "{who}이(가) {when}에 확인함",
    "Disputed": "이의 제기됨",
    "Acknowledged earlier results; the results changed since": (
        "이전 결과를 확인함. 이후 결과가 바뀌었습니다"
    ),
    "Not yet acknowledged": "아직 확인 전",
    "at risk": "위험 금액",
    "not stated yet": "아직 산정 전",
    "Results": "결과",
    "Value": "값",
    "Excluded": "제외",
    "No results for {month} yet.": "{month}의 결과가 아직 없습니다.",
    "Exclusion requests": "제외 요청",
    "Scope": "범위",
    "Decision": "결정",
    "{n} events": "이벤트 {n}건",
    "Approving re-measures {month} without these events; the results and credits may change.": (
        "승인하면 이 이벤트를 빼고 {month}을(를) 다시 측정합니다. 결과와 크레딧이 바뀔 수 있습니다."
    ),
    "Note": "메모",
    "Awaiting the client's decision": "고객사 결정 대기",
    "No exclusion requested for this month.": "이번 달에 요청된 제외가 없습니다.",
    "Open a result to select its failing events.": "결과를 열어 미달 이벤트를 선택하세요.",
    "Disputes": "이의 제기",
    "All results": "전체 결과",
    "Resolved": "해결됨",
    "Resolved by {who} on {when}": "{who}이(가) {when}에 해결함",
    "Answer": "답변",
    "Resolve": "해결",
    "No dispute.": "이의 제기가 없습니다.",
    "Comment": "의견",
    "Dispute the results": "결과에 이의 제기",
    "Invoice check": "청구서 검증",
    "No invoice checked for this month yet.": "이번 달에 검증한 청구서가 아직 없습니다.",
    "Vendor invoice (CSV or Excel)": "공급사 청구서(CSV 또는 Excel)",
    "Check the invoice": "청구서 검증",
    "Sign-off and close": "확인과 마감",
    "What": "내용",
    "Who": "누가",
    "When": "언제",
    "Acknowledged the results": "결과 확인",
    "Closed (version {v})": "마감(버전 {v})",
    "Open disputes are resolved before the results are acknowledged.": (
        "열린 이의 제기가 해결된 뒤에 결과를 확인할 수 있습니다."
    ),
    "Acknowledge the results": "결과 확인",
    "Reopen the month": "월 재개",
    "Close the month": "월 마감",
    "Review pack": "리뷰 자료",
    "What closing changes": "마감하면 바뀌는 것",
    "The {n} results of {month} are frozen with their hashes; nothing can be loaded, measured "
    "or excluded for the month until it is reopened.": (
        "{month}의 결과 {n}건이 해시와 함께 고정됩니다. 재개하기 전까지 이 달의 적재, 측정, "
        "제외는 할 수 없습니다."
    ),
    "The credits are stated and frozen: {amount}.": "크레딧이 산정되어 고정됩니다: {amount}.",
    "The credits are stated and frozen as computed now.": (
        "크레딧이 지금 계산대로 산정되어 고정됩니다."
    ),
    "{n} invoice checks are frozen with the month.": "청구서 검증 {n}건이 함께 고정됩니다.",
    "{n} disputes are still open.": "이의 제기 {n}건이 아직 열려 있습니다.",
    "{n} exclusion requests are still undecided.": "제외 요청 {n}건이 아직 결정 전입니다.",
    "The vendor has not acknowledged the results.": "공급사가 아직 결과를 확인하지 않았습니다.",
    "Close {month}": "{month} 마감",
    "Cancel": "취소",
    "What reopening changes": "재개하면 바뀌는 것",
    "The month accepts data, measurements, exclusions and invoice checks again; the closed "
    "version stays readable and the next close makes a new version.": (
        "이 달에 다시 데이터 적재, 측정, 제외, 청구서 검증을 할 수 있습니다. 마감된 버전은 그대로 "
        "남고 다음 마감은 새 버전이 됩니다."
    ),
    "Reason (kept in the audit trail)": "사유(감사 기록에 남음)",
    "Reopen {month}": "{month} 재개",
    "Back to the month": "월간 리뷰로 돌아가기",
    "Approved": "승인",
    "Requested": "요청됨",
    "Client-caused": "고객사 귀책",
    "Force majeure": "불가항력",
    "Agreed": "합의",
    # invoice check
    "Difference": "차이",
    "Differences": "차이 내역",
    "Invoiced": "청구",
    "Effect on the total": "합계에 미치는 영향",
    "row": "행",
    "Every line matches: pay as invoiced.": "모든 항목이 일치합니다: 청구대로 지급하세요.",
    "Expected invoice": "예상 청구서",
    "Description": "설명",
    "Quantity": "수량",
    "Unit price": "단가",
    "Amount": "금액",
    "differs": "차이 있음",
    "matches": "일치",
    "correct": "정확",
    "dispute": "이의 제기",
    "unknown line": "알 수 없는 항목",
    "wrong quantity": "수량 오류",
    "wrong price": "단가 오류",
    "arithmetic error": "계산 오류",
    "missing fee": "누락된 요금",
    "missing credit": "누락된 크레딧",
    "wrong credit": "크레딧 금액 오류",
    "credit not due": "근거 없는 크레딧",
    "credit already taken": "이미 차감된 크레딧",
    "earn back not due": "근거 없는 환급",
    "earn back not claimed": "청구되지 않은 환급",
    # the dashboard
    "partial: {pct} of the month has run": "부분: 이번 달의 {pct} 경과",
    "Show": "보기",
    "Running month ({m}, partial)": "진행 중인 월({m}, 부분)",
    "Totals": "합계",
    "Still to submit for {m}": "{m}에 아직 제출할 데이터",
    "Breached vs last month": "위반(전월 대비)",
    "Credits (net / gross)": "크레딧(순액 / 총액)",
    "At risk": "위험 금액",
    "12 months met": "12개월 충족률",
    "Forecast to breach": "위반 예상",
    "Waiting": "대기 중",
    "Data": "데이터",
    "Acknowledged": "확인됨",
    "not stated": "산정 전",
    "{n} exclusion requests": "제외 요청 {n}건",
    "{n} disputes": "이의 제기 {n}건",
    "missing": "누락",
    "complete": "완전",
    "No contract yet: apply one with `servicepact contract apply`.": (
        "아직 계약이 없습니다. `servicepact contract apply`로 계약을 등록하세요."
    ),
    "Credits: net of earn-back (the review pack's figure), gross below. Spark line: share of "
    "service levels met per month, the last 12 months.": (
        "크레딧: 환급을 뺀 순액(리뷰 자료와 같은 금액), 아래는 총액. 추이선: 최근 12개월 동안 "
        "월별 서비스 수준 충족 비율."
    ),
    "Share of service levels met": "서비스 수준 충족 비율",
    # every page
    "Skip to the content": "본문으로 건너뛰기",
    "Main menu": "주 메뉴",
    "Review": "리뷰",
    "info": "정보",
    "warning": "경고",
    "error": "오류",
}
