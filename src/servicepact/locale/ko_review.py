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
}
