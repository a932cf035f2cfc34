"""The Word form is built once per round and task set and filled per agency: no agency's data leaks into another's."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import docx

from notifications.reportform import FormTask, build_form, read_form

TASKS = [FormTask("IV.12.1", "IV.12", "Đẩy mạnh công tác thông tin tuyên truyền trên trang tin điện tử của đơn vị.")]
OTHER_TASKS = [*TASKS, FormTask("IV.10.1", "IV.10", "Tăng thời lượng, chuyên mục thông tin đối ngoại.")]


def _form(code: str, name: str, tasks=TASKS) -> bytes:
    return build_form(
        round_key="six-month-2018",
        round_title="Kết quả thực hiện công tác thông tin đối ngoại 6 tháng đầu năm 2018",
        agency_code=code,
        agency_name=name,
        due_text="trước ngày 15 tháng 6 năm 2018",
        tasks=tasks,
        issuer="Sở Thông tin và Truyền thông",
    )


def _text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    props = document.core_properties
    return "\n".join([props.subject, props.identifier, props.keywords, *(p.text for p in document.paragraphs)])


def test_each_agency_gets_only_its_own_code_and_name():
    agencies = [
        ("XA00001", "Ủy ban nhân dân xã Tân Long"),
        ("BVL", "Báo Vĩnh Long"),
        ("XA00002", "Ủy ban nhân dân phường Phú Mỹ"),
    ]
    for code, name in agencies + agencies[:1]:
        data = _form(code, name)
        content = read_form(data)
        assert (content.round_key, content.agency_code) == ("six-month-2018", code)
        text = _text(data)
        assert f"Cơ quan, đơn vị: {name}" in text
        assert all(other not in text for c, other in agencies if c != code)
        assert all(c not in text for c, _ in agencies if c != code)


def test_a_task_set_keeps_its_own_tasks():
    one, two = _text(_form("SCT", "Sở Công Thương")), _text(_form("BVL", "Báo Vĩnh Long", OTHER_TASKS))
    assert "Nhiệm vụ IV.10.1" in two and "Nhiệm vụ IV.10.1" not in one
    assert "Nhiệm vụ IV.12.1" in one and "Nhiệm vụ IV.12.1" in two


def test_forms_built_in_parallel_threads_stay_apart():
    codes = [f"XA{i:05d}" for i in range(24)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        forms = list(pool.map(lambda c: _form(c, f"Ủy ban nhân dân xã {c}"), codes))
    for code, data in zip(codes, forms, strict=True):
        assert read_form(data).agency_code == code
        assert f"Cơ quan, đơn vị: Ủy ban nhân dân xã {code}" in _text(data)
