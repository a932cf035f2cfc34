"""The Word report form: built prefilled, read back after the agency fills it (also after LibreOffice saves it)."""

from __future__ import annotations

import io
import shutil
import subprocess

import docx
import pytest

from notifications.reportform import FormTask, NotAForm, build_form, read_form

TASKS = [
    FormTask("IV.3.1", "IV.3", "Tổ chức các hoạt động quảng bá văn hóa, du lịch của tỉnh."),
    FormTask("IV.3.2", "IV.3", "Phối hợp tổ chức các sự kiện văn hóa đối ngoại."),
]


def _form() -> bytes:
    return build_form(
        round_key="six-month-2018",
        round_title="Kết quả 6 tháng đầu năm 2018",
        agency_code="SVHTTDL",
        agency_name="Sở Văn hóa, Thể thao và Du lịch",
        due_text="trước ngày 15 tháng 6 năm 2018",
        tasks=TASKS,
        issuer="Sở Thông tin và Truyền thông",
    )


def _fill(data: bytes) -> bytes:
    document = docx.Document(io.BytesIO(data))
    for table in document.tables:
        key = table.cell(0, 1).text
        if key == "IV.3.2":
            table.cell(3, 1).text = "Đề nghị bổ sung kinh phí."
        if key == "(chung)":
            table.cell(1, 1).text = "Dòng 1\nDòng 2 — có dấu: Đắk Lắk, Hậu Giang"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_empty_form_names_its_round_and_agency():
    content = read_form(_form())
    assert (content.round_key, content.agency_code, content.items) == ("six-month-2018", "SVHTTDL", [])
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(_form())).paragraphs)
    assert "Sở Văn hóa, Thể thao và Du lịch" in text and "Nhiệm vụ IV.3.1" in text


def test_filled_form_reads_back_per_task_and_general_section():
    content = read_form(_fill(_form()))
    assert [(i.task_key, i.results, i.proposals) for i in content.items] == [
        ("IV.3.2", "", "Đề nghị bổ sung kinh phí."),
        (None, "Dòng 1\nDòng 2 — có dấu: Đắk Lắk, Hậu Giang", ""),
    ]


def test_other_documents_are_not_forms():
    plain = io.BytesIO()
    docx.Document().save(plain)
    with pytest.raises(NotAForm):
        read_form(plain.getvalue())
    with pytest.raises(NotAForm):
        read_form(b"%PDF-1.4 not a word file")


@pytest.mark.libreoffice
def test_form_survives_a_save_by_libreoffice(tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is required for this test"
    src = tmp_path / "in" / "Mẫu báo cáo.docx"
    src.parent.mkdir()
    src.write_bytes(_fill(_form()))
    out = tmp_path / "out"
    subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    content = read_form((out / src.name).read_bytes())
    assert (content.round_key, content.agency_code) == ("six-month-2018", "SVHTTDL")
    assert [i.task_key for i in content.items] == ["IV.3.2", None]
    assert content.items[1].results == "Dòng 1\nDòng 2 — có dấu: Đắk Lắk, Hậu Giang"
