"""Korean for the messages the loader and the services put in front of a user: validation
reasons, where a problem is, refusals (see ``translate_message`` in ``locale/__init__.py``).

Keyed by the English text the code writes; ``{name}`` stands for a value the message carries
(a column, a row number, a file name), which is kept as it is. A value that is itself one of
these messages (``{doing}``, ``{what}``) is worded too. The command line keeps the English.
"""

from __future__ import annotations

# The loader's hint for a value that is not a timestamp (store/events/validation.py)
TIMESTAMP_HINT_EN = "expected ISO 8601 such as 2026-01-05T09:30:00+09:00"
TIMESTAMP_HINT_KO = "2026-01-05T09:30:00+09:00 같은 ISO 8601 형식이어야 합니다"

KO_MESSAGES: dict[str, str] = {
    # where a problem is
    "row {row}, column {column}": "{row}행, {column} 열",
    "row {row}": "{row}행",
    "column {column}": "{column} 열",
    "line {line}": "{line}번째 줄",
    "file": "파일",
    "encoding": "인코딩",
    "rows": "행",
    "{file}: header": "{file}: 머리글",
    "{file}: encoding": "{file}: 인코딩",
    "{file}: --sheet": "{file}: 시트",
    "{file}, after row {row}": "{file}, {row}행 다음",
    "--source": "데이터 원천",
    "--encoding": "인코딩",
    "--timezone": "시간대",
    "contract data_protection, column {column}": "계약의 data_protection, {column} 열",
    # a quarantined row's reason: its column, then why (the least specific of all)
    "{column}: {reason}": "{column}: {reason}",
    # a value that fails its column's type or rule
    f"not a timestamp: {TIMESTAMP_HINT_EN}": f"시각이 아닙니다: {TIMESTAMP_HINT_KO}",
    "has more than 6 fractional digits; timestamps are kept to the microsecond": (
        "소수점 아래 자릿수가 6자리를 넘습니다. 시각은 마이크로초까지 보관합니다"
    ),
    "has no time zone offset: add one (e.g. +09:00 or Z), or pass --timezone (e.g. "
    "Asia/Seoul) to read times without one in that zone": (
        "시간대 오프셋이 없습니다. 오프셋(예: +09:00 또는 Z)을 붙이거나, 오프셋 없는 시각을 "
        "읽을 시간대(예: Asia/Seoul)를 지정하세요"
    ),
    "does not exist in that time zone (the clock skipped it: daylight saving)": (
        "그 시간대에 없는 시각입니다(일광 절약 시간으로 건너뛴 시각)"
    ),
    "is ambiguous in that time zone (the clock passed it twice): add an offset": (
        "그 시간대에서 두 번 있는 시각입니다. 오프셋을 붙이세요"
    ),
    "is not a valid date or time (e.g. month 13, 30 February, hour 24)": (
        "올바른 날짜나 시각이 아닙니다(예: 13월, 2월 30일, 24시)"
    ),
    "{timezone} is not an IANA time zone (e.g. Asia/Seoul)": (
        "{timezone}은(는) IANA 시간대가 아닙니다(예: Asia/Seoul)"
    ),
    "is an integer column: no decimals": "정수 열입니다. 소수는 받지 않습니다",
    "not an integer": "정수가 아닙니다",
    "has more than 6 decimal places (kept exactly to 6)": (
        "소수점 아래 6자리를 넘습니다(정확히 6자리까지 보관)"
    ),
    "not a decimal number (digits, optional '.', no exponent)": (
        "십진수가 아닙니다(숫자, 선택적인 '.', 지수 표기 없음)"
    ),
    "not a boolean: use true/false, 1/0, yes/no or y/n (any case)": (
        "참/거짓 값이 아닙니다. true/false, 1/0, yes/no 또는 y/n(대소문자 무관)을 쓰세요"
    ),
    "not a date: expected YYYY-MM-DD": "날짜가 아닙니다: YYYY-MM-DD 형식이어야 합니다",
    "is not a valid date (e.g. month 13 or 30 February)": (
        "올바른 날짜가 아닙니다(예: 13월 또는 2월 30일)"
    ),
    f"item {{n}} has a timestamp that is not valid: {TIMESTAMP_HINT_EN}": (
        f"{{n}}번째 항목의 시각이 올바르지 않습니다: {TIMESTAMP_HINT_KO}"
    ),
    "item {n} ends before it starts": "{n}번째 항목이 시작 전에 끝납니다",
    "is not valid JSON ({detail} at character {position})": (
        "올바른 JSON이 아닙니다({position}번째 문자: {detail})"
    ),
    "must be a JSON array": "JSON 배열이어야 합니다",
    'item {n} must be [start, end] or {"start", "end"}': (
        '{n}번째 항목은 [start, end] 또는 {"start", "end"} 형태여야 합니다'
    ),
    "item {n} needs a start and an end timestamp": (
        "{n}번째 항목에 시작 시각과 끝 시각이 필요합니다"
    ),
    'item {n} must be {"party", "from", "to"}': (
        '{n}번째 항목은 {"party", "from", "to"} 형태여야 합니다'
    ),
    "item {n} needs a party": "{n}번째 항목에 당사자(party)가 필요합니다",
    "item {n}: from and to are timestamps (to may be null)": (
        "{n}번째 항목: from과 to는 시각입니다(to는 비워 둘 수 있음)"
    ),
    "a {found} column cannot be read as {wanted}": "{found} 열은 {wanted}(으)로 읽을 수 없습니다",
    "holds a control character (e.g. NUL); remove it": (
        "제어 문자(예: NUL)가 들어 있습니다. 지우세요"
    ),
    "not one of the allowed values: {allowed}": "허용된 값이 아닙니다: {allowed}",
    "below the minimum of {bound}": "최솟값 {bound}보다 작습니다",
    "above the maximum of {bound}": "최댓값 {bound}보다 큽니다",
    "required value missing": "필수 값이 없습니다",
    "duplicate id: also in row {rows}": "중복된 ID: {rows}행에도 있습니다",
    "holds the row's {kind} (personal data); the contract refuses such ids "
    "(data_protection.personal_data_in_ids: refuse)": (
        "행의 {kind}(개인정보)가 들어 있습니다. 계약이 이런 ID를 거부합니다"
        "(data_protection.personal_data_in_ids: refuse)"
    ),
    "{n} more problems in this chunk, not listed one by one": (
        "이 구간의 문제 {n}건은 하나씩 나열하지 않았습니다"
    ),
    # what the internal controls found in a stored load (engine/controls.py)
    "{n} events have {later} before {earlier}": (
        "이벤트 {n}건의 {later}이(가) {earlier}보다 앞섭니다"
    ),
    "{n} events have a timestamp after the load time ({at} UTC)": (
        "이벤트 {n}건의 시각이 적재 시각({at} UTC)보다 뒤입니다"
    ),
    "{n} events were submitted more than {days} days after their {anchor}": (
        "이벤트 {n}건이 {anchor} 뒤 {days}일이 지나 제출되었습니다"
    ),
    "{n} corrections: these ids replace events of earlier batches": (
        "정정 {n}건: 이 ID들이 이전 배치의 이벤트를 대체합니다"
    ),
    "{n} working days received less than {share} of the expected {expected} events "
    "(e.g. {day}: {received})": (
        "근무일 {n}일에 예상 이벤트 {expected}건의 {share} 미만이 들어왔습니다"
        "(예: {day}: {received}건)"
    ),
    # the file as a whole
    "the file has a header but no rows": "파일에 머리글만 있고 행이 없습니다",
    "no row is valid: nothing to store": "유효한 행이 없습니다: 저장할 것이 없습니다",
    "the file is empty: no header and no rows": "빈 파일입니다: 머리글도 행도 없습니다",
    "no such file": "파일이 없습니다",
    "unknown file type {suffix}; use one of {known}": (
        "알 수 없는 파일 형식 {suffix}입니다. 다음 중 하나를 쓰세요: {known}"
    ),
    "has {found} cells where the header has {expected}; check quoting and delimiters": (
        "머리글은 {expected}칸인데 이 행은 {found}칸입니다. 따옴표와 구분자를 확인하세요"
    ),
    "not a readable CSV: {detail}": "읽을 수 있는 CSV가 아닙니다: {detail}",
    "header cells {cells} are empty; name every column": (
        "머리글 칸 {cells}이(가) 비어 있습니다. 모든 열에 이름을 붙이세요"
    ),
    "columns named twice: {names}": "이름이 두 번 쓰인 열: {names}",
    "has fields the first rows do not have: {fields}": "앞의 행들에 없는 필드가 있습니다: {fields}",
    "is not UTF-8 (byte {byte} of the line); JSON is UTF-8": (
        "UTF-8이 아닙니다(줄의 {byte}번째 바이트). JSON은 UTF-8입니다"
    ),
    'is not a JSON object: each line must be {"column": value, ...}': (
        'JSON 객체가 아닙니다: 각 줄은 {"column": value, ...} 형태여야 합니다'
    ),
    "not a readable Parquet file (truncated or damaged?): {detail}": (
        "읽을 수 있는 Parquet 파일이 아닙니다(잘렸거나 손상됨?): {detail}"
    ),
    "the Parquet file is damaged: {detail}": "Parquet 파일이 손상되었습니다: {detail}",
    "not a readable Excel workbook: {detail}": "읽을 수 있는 Excel 통합 문서가 아닙니다: {detail}",
    "no sheet {sheet}; the sheets are {sheets}": "{sheet} 시트가 없습니다. 시트 목록: {sheets}",
    "has values right of the last named column (cell {cell})": (
        "이름 있는 마지막 열의 오른쪽에 값이 있습니다(셀 {cell})"
    ),
    "this looks like a {better} file, not {expected}: its columns match {better} better. "
    "Load it as source {better}, or check the file": (
        "{expected} 파일이 아니라 {better} 파일로 보입니다: 열이 {better}에 더 잘 맞습니다. "
        "데이터 원천 {better}(으)로 적재하거나 파일을 확인하세요"
    ),
    "required columns missing: {missing}. {type} needs {required}": (
        "필수 열이 없습니다: {missing}. {type}에는 {required} 열이 필요합니다"
    ),
    "columns {type} does not have: {extra}. Remove or rename them (its columns are "
    "{columns}); nothing is loaded while the file has columns that would be ignored": (
        "{type}에 없는 열: {extra}. 지우거나 이름을 바꾸세요({type}의 열: {columns}). "
        "무시될 열이 있는 동안에는 아무것도 적재하지 않습니다"
    ),
    "unknown encoding {name}": "알 수 없는 인코딩 {name}",
    "the file is neither UTF-8 nor CP949/EUC-KR (it looks like {guess}); the first byte that "
    "is not UTF-8 is at {place}. Save it as UTF-8 CSV, or pass --encoding with the right "
    "encoding": (
        "파일이 UTF-8도 CP949/EUC-KR도 아닙니다({guess}(으)로 보입니다). UTF-8이 아닌 첫 "
        "바이트의 위치: {place}. UTF-8 CSV로 저장하거나 올바른 인코딩을 지정하세요"
    ),
    "the file is neither UTF-8 nor CP949/EUC-KR (its encoding could not be recognised); the "
    "first byte that is not UTF-8 is at {place}. Save it as UTF-8 CSV, or pass --encoding "
    "with the right encoding": (
        "파일이 UTF-8도 CP949/EUC-KR도 아닙니다(인코딩을 알아볼 수 없습니다). UTF-8이 아닌 첫 "
        "바이트의 위치: {place}. UTF-8 CSV로 저장하거나 올바른 인코딩을 지정하세요"
    ),
    "byte {byte}, line {line}": "{line}번째 줄의 {byte}번째 바이트",
    "the start": "처음",
    "the file could not be read as {encoding}": "파일을 {encoding}(으)로 읽을 수 없습니다",
    "byte {byte} is not valid {encoding} ({reason}); the file mixes encodings or is damaged "
    "there. Re-save it as UTF-8, or pass --encoding": (
        "{byte}번째 바이트가 올바른 {encoding}이(가) 아닙니다({reason}). 파일에 인코딩이 섞였거나 "
        "그 부분이 손상되었습니다. UTF-8로 다시 저장하거나 인코딩을 지정하세요"
    ),
    "{type} needs {column} ({kind}), but the contract does not declare {kind} as personal "
    "data it processes, so it would be dropped; add {kind} to "
    "data_protection.personal_data to pseudonymise it": (
        "{type}에는 {column}({kind}) 열이 필요하지만, 계약이 {kind}을(를) 처리하는 개인정보로 "
        "선언하지 않아 버려집니다. 가명 처리하려면 data_protection.personal_data에 {kind}을(를) "
        "추가하세요"
    ),
    # receiving an upload
    "the file is larger than the limit of {mb} MB (setting SERVICEPACT_MAX_UPLOAD_BYTES); "
    "split it, e.g. by month, and upload each part": (
        "파일이 한도 {mb} MB보다 큽니다(설정 SERVICEPACT_MAX_UPLOAD_BYTES). 예를 들어 월별로 "
        "나누어 하나씩 업로드하세요"
    ),
    "the content is not CSV, JSON Lines, Parquet or Excel (empty, or binary of another kind)": (
        "내용이 CSV, JSON Lines, Parquet, Excel 중 어느 것도 아닙니다(비어 있거나 다른 종류의 "
        "바이너리)"
    ),
    "not a readable Excel workbook (a broken zip file)": (
        "읽을 수 있는 Excel 통합 문서가 아닙니다(손상된 zip 파일)"
    ),
    "the workbook would unpack to {bytes} bytes: refused as a zip bomb; save it as CSV and "
    "upload that": (
        "통합 문서의 압축을 풀면 {bytes}바이트가 됩니다: 압축 폭탄으로 거부했습니다. CSV로 "
        "저장해 업로드하세요"
    ),
    "the request is larger than the limit of {size} for this endpoint (setting {setting})": (
        "요청이 이 주소의 한도 {size}보다 큽니다(설정 {setting})"
    ),
    "an upload must declare its length (Content-Length)": (
        "업로드는 길이(Content-Length)를 밝혀야 합니다"
    ),
    "choose a file to upload": "업로드할 파일을 고르세요",
    "is utf-8 or cp949 (or left empty to detect)": (
        "utf-8 또는 cp949입니다(비워 두면 자동으로 알아냅니다)"
    ),
    "the server process running this load stopped before it finished (restarted or "
    "crashed); a load cut short stores nothing — upload the file again": (
        "이 적재를 실행하던 서버 프로세스가 끝나기 전에 멈췄습니다(재시작 또는 장애). 중단된 "
        "적재는 아무것도 저장하지 않습니다 — 파일을 다시 업로드하세요"
    ),
    "the load failed unexpectedly; nothing was stored": (
        "적재가 예기치 않게 실패했습니다. 아무것도 저장되지 않았습니다"
    ),
    "no such upload": "그런 업로드가 없습니다",
    # an invoice's differences from the expected invoice (engine/invoices.py)
    "the invoice is in {invoice}, the contract in {contract}": (
        "청구서 통화는 {invoice}, 계약 통화는 {contract}입니다"
    ),
    "currency": "통화",
    "{quantity} × {price} = {computed}, not {amount}": (
        "{quantity} × {price} = {computed}이며 {amount}이(가) 아닙니다"
    ),
    "{line} is not a fee of this contract for this month": (
        "{line}은(는) 이 달 이 계약의 요금이 아닙니다"
    ),
    "{fee} is due ({arithmetic}) but not invoiced": (
        "{fee}이(가) 청구되어야 하지만({arithmetic}) 청구되지 않았습니다"
    ),
    "an extra line for fee {line} ({quantity} × {price})": (
        "요금 {line}의 추가 줄입니다({quantity} × {price})"
    ),
    "{fee}: unit price {price}, the fee schedule says {expected}": (
        "{fee}: 단가 {price}, 요금표의 단가는 {expected}입니다"
    ),
    "{fee}: quantity {quantity}, expected {expected} ({arithmetic})": (
        "{fee}: 수량 {quantity}, 예상 수량 {expected}({arithmetic})"
    ),
    "the {period} credit for {level} was already deducted on an earlier invoice": (
        "{period} {level} 크레딧은 이전 청구서에서 이미 차감되었습니다"
    ),
    "no credit is due for {level} in {period} by the measured results": (
        "측정 결과에 따르면 {period} {level}에는 크레딧이 없습니다"
    ),
    "the {period} credit for {level} of {amount} is not deducted ({arithmetic})": (
        "{period} {level} 크레딧 {amount}이(가) 차감되지 않았습니다({arithmetic})"
    ),
    "the {period} credit for {level} is {amount}, expected {expected} ({arithmetic})": (
        "{period} {level} 크레딧이 {amount}입니다. 예상 금액은 {expected}입니다({arithmetic})"
    ),
    "the {period} credit for {level} is deducted more than once": (
        "{period} {level} 크레딧이 두 번 이상 차감되었습니다"
    ),
    # who may load what
    "contract {contract} does not measure {source} events (its sources: {sources})": (
        "계약 {contract}은(는) {source} 이벤트를 측정하지 않습니다(데이터 원천: {sources})"
    ),
    "unknown event type {source}": "알 수 없는 이벤트 유형 {source}",
    "{period} of contract {contract} is closed (version {version}, by {who} on {day}); "
    "{doing} is refused. Reopen it first: servicepact reopen --contract {c} --period {p} "
    '--reason "..."': (
        "계약 {contract}의 {period}은(는) 마감되었습니다(버전 {version}, {day} {who} 마감). "
        "{doing} 요청을 거부합니다. 먼저 그 달을 다시 여세요"
    ),
    "loading data for it": "그 달의 데이터 적재",
    "changing it": "변경",
    "no contract {contract}": "계약 {contract}이(가) 없습니다",
    "no access to contract {contract}": "계약 {contract}에 접근할 수 없습니다",
    "{role} users cannot {what}": "{role} 사용자는 할 수 없는 일입니다: {what}",
    "{what} is visible to the client's users only": "{what}은(는) 고객사 사용자만 볼 수 있습니다",
    "only the client's managers can {what}": "고객사 관리자만 할 수 있는 일입니다: {what}",
    "load data": "데이터 적재",
    "check invoices": "청구서 검증",
    "dispute results": "결과에 대한 이의 제기",
    "evaluate service levels": "서비스 수준 측정",
    "measure results again": "결과 재측정",
    "request exclusions": "제외 요청",
    "resolve disputes": "이의 제기 해결",
    "close periods": "월 마감",
    "reopen periods": "마감한 월 다시 열기",
    "state credits": "서비스 크레딧 확정",
    "apply contracts": "계약 적용",
    "apply the portfolio": "포트폴리오 적용",
    "change the entrustment register": "위탁 대장 변경",
    "change the risk register": "리스크 대장 변경",
    "raise risks": "리스크 등록",
    "run vendor selections": "업체 선정 진행",
    "send alerts": "알림 발송",
    "keep a baseline study": "기준선 조사 보관",
    "enter relationship surveys": "관계 설문 입력",
    "clean the event store": "이벤트 저장소 정리",
    "a vendor selection": "업체 선정",
    "the broker analysis": "중개사 분석",
    "the business case": "비용 효과 분석",
    "admin": "관리자",
    "client_manager": "고객사 관리자",
    "executive": "임원",
    "vendor": "업체",
    "broker": "중개사",
    "auditor": "감사인",
    # the month's review, exclusions, invoices, closing (services reached from the pages)
    "comment": "의견",
    "note": "메모",
    "reason": "사유",
    "--reason": "사유",
    "--period": "월",
    "period": "월",
    "source": "데이터 원천",
    "service_level_id": "서비스 수준",
    "event_ids": "이벤트",
    "outcome": "결과",
    "page": "페이지",
    "per_page": "페이지당 개수",
    "exclusion": "제외",
    "{label}: month must be 01-12": "{label}: 월은 01-12입니다",
    "{label} is not a period (write 2026-03, 2026-Q1 or Y1)": (
        "{label}은(는) 기간이 아닙니다(2026-03, 2026-Q1 또는 Y1처럼 쓰세요)"
    ),
    "{label}: a contract year needs the contract's term": (
        "{label}: 계약 연도에는 계약 기간이 필요합니다"
    ),
    "no measured period of {label} lies within the contract's term ({start} to {end})": (
        "{label}에는 계약 기간({start} ~ {end}) 안의 측정 기간이 없습니다"
    ),
    "give a month, e.g. 2026-03": "월을 입력하세요(예: 2026-03)",
    "say why; it is kept with the decision": "이유를 적으세요. 결정과 함께 보관됩니다",
    "at most {n} characters": "최대 {n}자입니다",
    "is longer than {n} characters": "{n}자를 넘습니다",
    "is not a service level of the contract": "계약의 서비스 수준이 아닙니다",
    "broker users cannot dispute results": "중개사 사용자는 결과에 이의를 제기할 수 없습니다",
    "broker users cannot request exclusions": "중개사 사용자는 제외를 요청할 수 없습니다",
    "no dispute {id}": "이의 제기 {id}이(가) 없습니다",
    "dispute {id} is already resolved": "이의 제기 {id}은(는) 이미 해결되었습니다",
    "only the vendor acknowledges a month's results": "월 결과는 업체만 확인할 수 있습니다",
    "{label} has no results yet: load its data and measure it first": (
        "{label}에는 아직 결과가 없습니다: 먼저 데이터를 적재하고 측정하세요"
    ),
    "{n} dispute(s) of {label} are still open; the client resolves them before the results "
    "are acknowledged": (
        "{label}의 이의 제기 {n}건이 아직 열려 있습니다. 결과 확인 전에 고객사가 해결합니다"
    ),
    "{label} has not ended yet (it runs to {end}); close it after": (
        "{label}은(는) 아직 끝나지 않았습니다({end}까지). 끝난 뒤 마감하세요"
    ),
    "say why the period is reopened; it is audited": (
        "월을 다시 여는 이유를 적으세요. 감사 기록에 남습니다"
    ),
    "{period} of contract {contract} is not closed": (
        "계약 {contract}의 {period}은(는) 마감되지 않았습니다"
    ),
    "{period} of contract {contract} was never closed": (
        "계약 {contract}의 {period}은(는) 마감된 적이 없습니다"
    ),
    "closing it again": "다시 마감",
    "disputing its results": "결과에 대한 이의 제기",
    "evaluating it again": "다시 측정",
    "loading data": "데이터 적재",
    "{label} is outside the contract term ({start} to {end})": (
        "{label}은(는) 계약 기간({start}~{end}) 밖입니다"
    ),
    "cannot be negative": "음수일 수 없습니다",
    "must be one of {values}": "다음 중 하나여야 합니다: {values}",
    "must be 1 or more": "1 이상이어야 합니다",
    "must be from 1 to {n}": "1부터 {n}까지입니다",
    "contract {contract} has no service level {sl}": (
        "계약 {contract}에 서비스 수준 {sl}이(가) 없습니다"
    ),
    "no stored result of {sl} for {label}: evaluate the period first": (
        "{label}의 {sl} 결과가 저장되어 있지 않습니다: 먼저 그 기간을 측정하세요"
    ),
    "lists more than {n} events; exclude the period": (
        "이벤트가 {n}건을 넘습니다. 기간 전체를 제외하세요"
    ),
    "no service level of {contract} reads {source}": (
        "{contract}의 어떤 서비스 수준도 {source}을(를) 읽지 않습니다"
    ),
    "{sl} reads {source}, not {other}": "{sl}은(는) {other}이(가) 아니라 {source}을(를) 읽습니다",
    "no exclusion {id}": "제외 {id}이(가) 없습니다",
    "exclusion {id} is already {status}": "제외 {id}은(는) 이미 처리되었습니다({status})",
    "choose the invoice file (CSV or Excel)": "청구서 파일(CSV 또는 Excel)을 고르세요",
    "no invoice check {id} of {contract}": "{contract}의 청구서 검증 {id}이(가) 없습니다",
    "only administrators can end another user's sessions": (
        "다른 사용자의 세션은 관리자만 끝낼 수 있습니다"
    ),
    "no user {user}": "사용자 {user}이(가) 없습니다",
    "contract {contract} has no version {version} (versions {first}–{last})": (
        "계약 {contract}에 버전 {version}이(가) 없습니다(버전 {first}–{last})"
    ),
    "the form's security token does not match; reload the page": (
        "양식의 보안 토큰이 맞지 않습니다. 페이지를 다시 불러오세요"
    ),
    "the database is busy with another change; nothing was saved — try again": (
        "데이터베이스가 다른 변경을 처리하고 있습니다. 아무것도 저장되지 않았습니다 — 다시 "
        "시도하세요"
    ),
    " (and {n} more)": " (외 {n}건)",
    # reporting periods (the compliance page, the review pack, period reports)
    "{label} is not a period (write 2026-03, 2026-Q3, 2026, 2026-YTD or Y1)": (
        "{label}은(는) 기간이 아닙니다(2026-03, 2026-Q3, 2026, 2026-YTD 또는 Y1처럼 쓰세요)"
    ),
    "{label}: a quarter is Q1, Q2, Q3 or Q4": "{label}: 분기는 Q1, Q2, Q3, Q4 중 하나입니다",
    "{label}: {year} has not begun (today is {today})": (
        "{label}: {year}년은 아직 시작되지 않았습니다(오늘은 {today})"
    ),
    "no measured period of {label} has begun within the contract's term ({start} to {end})": (
        "{label}의 측정 기간 중 계약 기간({start}~{end}) 안에 시작된 것이 없습니다"
    ),
    # a query or form value the page could not read (checked before any service runs)
    "query.{name}": "주소의 {name} 값",
    "path.{name}": "주소 경로의 {name}",
    "body.{name}": "양식의 {name} 칸",
    "String should match pattern {pattern}": "정해진 형식이 아닙니다(형식 {pattern})",
    "String should have at most {n} characters": "{n}자 이하여야 합니다",
    "String should have at least {n} characters": "{n}자 이상이어야 합니다",
    "Input should be greater than or equal to {n}": "{n} 이상이어야 합니다",
    "Input should be greater than {n}": "{n}보다 커야 합니다",
    "Input should be less than or equal to {n}": "{n} 이하여야 합니다",
    "Input should be less than {n}": "{n}보다 작아야 합니다",
    "Input should be a valid integer, unable to parse string as an integer": ("정수여야 합니다"),
    "Input should be a valid integer": "정수여야 합니다",
    "Input should be a valid boolean, unable to interpret input": (
        "참 또는 거짓(true/false)이어야 합니다"
    ),
    "Input should be a valid number, unable to parse string as a number": "숫자여야 합니다",
    "Input should be a valid date or datetime, input is too short": (
        "날짜 또는 시각이어야 합니다(값이 너무 짧습니다)"
    ),
    "Input should be a valid date in the format YYYY-MM-DD, input is too short": (
        "YYYY-MM-DD 형식의 날짜여야 합니다(값이 너무 짧습니다)"
    ),
    "Input should be {choices}": "{choices} 중 하나여야 합니다",
    "Input should be {first} or {second}": "{first} 또는 {second}이어야 합니다",
    "String should have at most {n} character": "{n}자 이하여야 합니다",
    "String should have at least {n} character": "{n}자 이상이어야 합니다",
    "Field required": "꼭 채워야 하는 항목입니다",
    # what the web server itself answers
    "Not Found": "그런 페이지가 없습니다",
    "Method Not Allowed": "이 주소는 그 요청 방식을 받지 않습니다",
    "the error has been logged": "오류를 기록해 두었습니다",
    # refusals of the services that reach a page
    "only administrators can {doing}": "{doing}은(는) 관리자만 할 수 있습니다",
    "add users": "사용자 추가",
    "create API tokens": "API 토큰 발급",
    "revoke API tokens": "API 토큰 폐기",
    "only auditors and administrators can {doing}": (
        "{doing}은(는) 감사인과 관리자만 할 수 있습니다"
    ),
    "read the audit trail": "감사 기록 열람",
    "close months": "월 마감",
    "reopen months": "월 다시 열기",
    "send the file as the form field 'file'": "파일을 'file' 양식 칸으로 보내세요",
    "verify the audit trail": "감사 기록 검증",
    "user {name} already exists": "사용자 {name}이(가) 이미 있습니다",
    "only administrators and auditors can list users": (
        "사용자 목록은 관리자와 감사인만 볼 수 있습니다"
    ),
    "invalid or revoked API token": "API 토큰이 잘못되었거나 폐기되었습니다",
    "only administrators can set another user's password": (
        "다른 사용자의 비밀번호는 관리자만 정할 수 있습니다"
    ),
    "unknown user or wrong password": "없는 사용자이거나 비밀번호가 틀렸습니다",
    "use 1-64 letters, digits and . _ @ - (starting with a letter or digit)": (
        "영문자, 숫자와 . _ @ - 로 1~64자를 쓰세요(영문자나 숫자로 시작)"
    ),
    "a {role} user must belong to a party (--party)": (
        "{role} 사용자는 한 당사자에 속해야 합니다(--party)"
    ),
    "unknown party {party}": "당사자 {party}이(가) 없습니다",
    "{party} is a {kind}; a {role} user belongs to a {wanted}": (
        "{party}은(는) {kind}입니다. {role} 사용자는 {wanted}에 속합니다"
    ),
    "only administrators and auditors can list another user's sessions": (
        "다른 사용자의 세션 목록은 관리자와 감사인만 볼 수 있습니다"
    ),
    "no business-case file {path}": "비용 효과 분석 파일 {path}이(가) 없습니다",
    "no business case applied for contract {contract}: apply its file with "
    "`servicepact business-case --apply FILE`": (
        "계약 {contract}에 적용된 비용 효과 분석이 없습니다: "
        "`servicepact business-case --apply FILE`로 그 파일을 적용하세요"
    ),
    "has no time column to count by": "셀 기준이 되는 시각 열이 없습니다",
    "the business case is for {case}, not {contract}": (
        "이 비용 효과 분석은 {contract}가 아니라 {case}의 것입니다"
    ),
    "contract {contract} has no broker": "계약 {contract}에는 중개사가 없습니다",
    "not valid YAML ({why})": "올바른 YAML이 아닙니다({why})",
    "no contracts with vendor {vendor}": "업체 {vendor}와(과)의 계약이 없습니다",
    "must be between 0 and 100": "0에서 100 사이여야 합니다",
    "must not be negative": "음수일 수 없습니다",
    "write a quarter as 2026-Q1": "분기는 2026-Q1처럼 쓰세요",
    "risk {risk}: unknown contracts {contracts}": "위험 {risk}: 없는 계약 {contracts}",
    "unknown party {party}: add it to the portfolio first": (
        "당사자 {party}이(가) 없습니다: 먼저 포트폴리오에 추가하세요"
    ),
    "give a month as YYYY-MM, e.g. 2026-04": "월은 YYYY-MM 형식으로 쓰세요(예: 2026-04)",
    "contract {contract} is with {field} {before}; a new version cannot change it to {after} "
    "— give the new agreement its own contract id": (
        "계약 {contract}의 {field}은(는) {before}입니다. 새 버전에서 {after}(으)로 바꿀 수 "
        "없습니다 — 새 계약에는 새 계약 ID를 주세요"
    ),
    "contract {contract} has closed months ({months}); a changed version would change their "
    "results. Say from which month it applies, after the last closed one: servicepact contract "
    "apply FILE --effective-from {month} — or reopen the months it must cover first: "
    'servicepact reopen --contract {id} --period {first} --reason "..."': (
        "계약 {contract}에 마감된 월({months})이 있습니다. 바뀐 버전은 그 결과를 바꿉니다. "
        "마지막 마감 월 이후 어느 달부터 적용할지 정하세요: servicepact contract apply FILE "
        "--effective-from {month} — 또는 적용할 월을 먼저 다시 여세요: servicepact reopen "
        '--contract {id} --period {first} --reason "..."'
    ),
    "{months} of contract {contract} are closed; loading data for them is refused and nothing "
    "was stored. Reopen each first: servicepact reopen --contract {id} --period {first} --reason "
    '"..." (and the same for {others})': (
        "계약 {contract}의 {months}은(는) 마감되었습니다. 그 월의 데이터 적재는 거부되었고 "
        "아무것도 저장되지 않았습니다. 먼저 각 월을 다시 여세요: servicepact reopen --contract "
        '{id} --period {first} --reason "..." ({others}도 같은 방법으로)'
    ),
    "no selection project {project}": "업체 선정 프로젝트 {project}이(가) 없습니다",
    "no baseline study {study}": "기준선 조사 {study}이(가) 없습니다",
    "at most {n} months of history": "과거 이력은 최대 {n}개월입니다",
    "the history has no month": "과거 이력에 월이 없습니다",
    "is neither a built-in nor a declared event type": (
        "기본 제공 이벤트 유형도, 선언된 이벤트 유형도 아닙니다"
    ),
    "is not a built-in event type": "기본 제공 이벤트 유형이 아닙니다",
    "give at least one period (e.g. 2026-03) or --all-months": (
        "기간을 하나 이상(예: 2026-03) 주거나 --all-months를 쓰세요"
    ),
    "the portfolio is the client's view; vendors and brokers see contracts": (
        "포트폴리오는 고객사의 화면입니다. 업체와 중개사는 계약을 봅니다"
    ),
    "not an anchor: seq or row_hash": "기준점이 아닙니다: seq 또는 row_hash",
    "not an anchor: give seq, row_hash and at": "기준점이 아닙니다: seq, row_hash, at을 주세요",
    "the access log of personal data is for the client and the auditor": (
        "개인정보 접근 기록은 고객사와 감사인만 볼 수 있습니다"
    ),
    "the contract's vendor is {vendor}": "이 계약의 업체는 {vendor}입니다",
    "an export of personal data needs a reason": "개인정보를 내보내려면 사유가 필요합니다",
    "no such contract": "그런 계약이 없습니다",
    "the alert delivery log is the client's": "경보 발송 기록은 고객사만 볼 수 있습니다",
    "Select at least one event to exclude.": "제외할 이벤트를 하나 이상 고르세요.",
}
