"""Writes masking_sample.jsonl: labelled synthetic sentences for the third-party masking measure.

Run once (``python tests/unit/events/make_masking_sample.py``); the file is kept in the tests so
the measure is fixed and can be read. Each line: ``{"text": ..., "personal": [[span, kind], ...]}``
where ``kind`` is name, address or employee and ``span`` the exact text that must not be stored;
sentences with no span are negatives (nothing may be masked). The names, roads and numbers are
drawn at random (seeded) from lists that include forms the masker does not know (rare surnames,
names without a title, addresses without a number), so the recall measured is not built in.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).parent / "data" / "masking_sample.jsonl"
rng = random.Random(20261206)

SURNAMES = [
    *["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권"],
    *["황", "안", "송", "류", "전", "홍", "고", "문", "양", "손", "배", "백", "허", "노", "하"],
    *["남궁", "제갈", "선우", "황보", "팽", "갈", "어", "편", "빈", "피"],  # rare ones too
]
GIVEN = [
    "민지",
    "서준",
    "지우",
    "하은",
    "도윤",
    "서연",
    "예준",
    "지호",
    "수빈",
    "현우",
    "유진",
    "지민",
    "영희",
    "철수",
    "동현",
    "은비",
    "태현",
    "소연",
    "준",
    "혁",
    "윤서",
    "가은",
    "재원",
]
TITLES = [
    "님",
    "씨",
    " 대리",
    " 과장",
    " 부장",
    " 팀장",
    "과장님",
    " 대리님",
    " 주임",
    " 실장님",
    " 선생님",
    " 고객님",
    " 매니저",
]
REGIONS = [
    "서울특별시 강남구",
    "서울특별시 종로구",
    "부산광역시 해운대구",
    "경기도 성남시 분당구",
    "인천광역시 연수구",
    "대전광역시 유성구",
    "",
    "",
    "",
]
ROADS = [
    "테헤란로",
    "세종대로",
    "강남대로",
    "올림픽로",
    "중앙로",
    "판교역로",
    "해운대해변로",
    "강남대로94길",
    "도산대로",
    "봉은사로",
    "송파대로",
    "디지털로",
    "가산디지털1로",
]
DONGS = [
    "역삼동",
    "삼성동",
    "신림동",
    "우동",
    "정자동",
    "송도동",
    "구로동",
    "봉천동",
    "상계동",
    "서초동",
]
GU = ["강남구", "관악구", "해운대구", "분당구", "구로구", "노원구", ""]
ROMAN = [
    "Teheran-ro",
    "Sejong-daero",
    "Gangnam-daero",
    "Olympic-ro",
    "Pangyoyeok-ro",
    "Dosan-daero",
]
LAST_EN = ["Smith", "Kim", "Park", "Lee", "Johnson", "Choi", "Brown", "Garcia", "Jung", "Nguyen"]
FIRST_EN = ["Minji", "James", "Seojun", "Emily", "Jiwoo", "Daniel"]


def name() -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def employee() -> str:
    return f"E{rng.randint(10000, 99999)}"


def road() -> str:
    region = rng.choice(REGIONS)
    number = str(rng.randint(1, 999))
    if rng.random() < 0.3:
        number += f"-{rng.randint(1, 30)}"
    return (region + " " if region else "") + f"{rng.choice(ROADS)} {number}"


def lot() -> str:
    gu = rng.choice(GU)
    if rng.random() < 0.5:
        place = f"{rng.choice(DONGS)} {rng.randint(1, 999)}-{rng.randint(1, 99)}"
    else:
        place = f"{rng.choice(DONGS)} {rng.randint(1, 999)}번지"
    return (gu + " " if gu else "") + place


def roman() -> str:
    if rng.random() < 0.5:
        return f"{rng.randint(1, 500)} {rng.choice(ROMAN)}"
    return f"{rng.choice(ROMAN)} {rng.randint(1, 500)}"


KO_NAME = [
    "{n}{t}께서 환불을 요청하셨습니다.",
    "{n}{t}에게 회신 부탁드립니다.",
    "어제 {n}{t}와 통화했습니다.",
    "{n}{t} 연락처 변경 요청 건입니다.",
    "담당: {n}{t}, 처리 중",
    "{n}{t}이 급여 명세서를 다시 요청함",
]
KO_ADDRESS = [
    "배송지는 {a}입니다.",
    "{a}에서 픽업 요청",
    "주소 {a} 로 변경해 주세요",
    "고객 주소: {a}",
    "{a} 앞 매장으로 재배송",
]
KO_EMPLOYEE = [
    "사번 {e}의 급여가 누락되었습니다.",
    "{e} 직원의 계좌 변경 요청",
    "직원번호 {e} 연말정산 문의",
]
KO_NEGATIVE = [
    "고객님 문의 주셔서 감사합니다.",
    "담당자님 확인 부탁드립니다.",
    "메일로 3건 보냈습니다.",
    "2동 3층 회의실에서 진행합니다.",
    "과장님께 보고 완료했습니다.",
    "기사님이 10시에 방문 예정입니다.",
    "총 5건 처리했습니다.",
    "서버로 2개 파일을 전송했습니다.",
    "차장님께 전달 부탁드립니다.",
    "선생님 상담 일정 조율 중",
    "시스템 점검으로 30분 지연되었습니다.",
    "1번 창구로 이동해 주세요.",
    "이번 주 목요일까지 회신 예정",
    "배송이 하루 늦어졌습니다.",
    "환불 처리 완료",
    "결제 오류 재발",
    "앱에서 로그인이 안 됩니다.",
    "팀장님 승인 대기 중",
    "월말 정산 자료 요청",
    "대리점으로 2개 반송",
    "콜센터 대기 시간이 길었습니다.",
    "주문 번호 확인 부탁드립니다.",
    "고객센터로 3회 문의",
    "신규 과장 발령 공지 확인",
    "회원님의 포인트가 적립되었습니다.",
    "사원증 재발급 요청",
    "해당 건은 본사로 이관했습니다.",
    "택배 기사님께 전달했습니다.",
    "오늘 오후 2시로 일정 변경",
    "이사 일정 문의",
    "대표님 보고 자료 준비",
    "1차 검토 완료, 2차 검토 예정",
]
EN_NAME = [
    "{t} {n} asked for a refund.",
    "Please call {t} {n} back today.",
    "Escalated by {t} {n} after the second failure.",
    "{t} {n} confirmed the new address.",
]
EN_ADDRESS = [
    "Deliver to {a}, Seoul.",
    "Pickup at {a} failed twice.",
    "Customer moved to {a}.",
]
EN_EMPLOYEE = ["Employee {e} reported a missing payslip.", "Badge {e} cannot log in."]
EN_NEGATIVE = [
    "The customer asked for a refund.",
    "Ticket escalated to tier 2.",
    "Dr appointment moved.",
    "Password reset requested twice.",
    "Invoice 2026-03 sent on time.",
    "Call back within 24 hours.",
    "Route 66 delivery delayed.",
    "Order ro-152 shipped.",
    "Meeting in room 3-12.",
    "Customer satisfied with the answer.",
    "Refund of 12,000 won approved.",
    "Wrong item delivered.",
    "The Gangnam office was closed.",
    "Stock of model X-200 is low.",
]
EN_TITLES = ["Mr.", "Ms", "Mrs.", "Dr.", "Prof."]


def sample() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []

    def add(text: str, personal: list[tuple[str, str]]) -> None:
        rows.append({"text": text, "personal": [list(p) for p in personal]})

    for _ in range(120):
        n, t = name(), rng.choice(TITLES)
        add(rng.choice(KO_NAME).format(n=n, t=t), [(n, "name")])
    for _ in range(20):  # a name with no title at all: not found by design; counts in recall
        n = name()
        add(f"{n} 고객 요청으로 재발송", [(n, "name")])
    for _ in range(70):
        a = road()
        add(rng.choice(KO_ADDRESS).format(a=a), [(a, "address")])
    for _ in range(50):
        a = lot()
        add(rng.choice(KO_ADDRESS).format(a=a), [(a, "address")])
    for _ in range(40):
        e = employee()
        add(rng.choice(KO_EMPLOYEE).format(e=e), [(e, "employee")])
    for _ in range(30):
        n, t, a = name(), rng.choice(TITLES), road()
        add(f"{n}{t} 주소를 {a}(으)로 변경", [(n, "name"), (a, "address")])
    for text in KO_NEGATIVE:
        add(text, [])
    for _ in range(60):
        add(rng.choice(KO_NEGATIVE), [])
    for _ in range(40):
        last = rng.choice(LAST_EN)
        full = last if rng.random() < 0.6 else f"{rng.choice(FIRST_EN)} {last}"
        add(rng.choice(EN_NAME).format(t=rng.choice(EN_TITLES), n=full), [(full, "name")])
    for _ in range(30):
        a = roman()
        add(rng.choice(EN_ADDRESS).format(a=a), [(a, "address")])
    for _ in range(15):
        e = employee()
        add(rng.choice(EN_EMPLOYEE).format(e=e), [(e, "employee")])
    for text in EN_NEGATIVE:
        add(text, [])
    for _ in range(40):
        add(rng.choice(EN_NEGATIVE), [])
    return rows


if __name__ == "__main__":
    OUT.parent.mkdir(exist_ok=True)
    lines = [json.dumps(row, ensure_ascii=False) for row in sample()]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} sentences written to {OUT}")
