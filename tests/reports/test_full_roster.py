"""The reference plan's full roster with long texts: builds well under a minute, and LibreOffice reads it."""

from __future__ import annotations

import shutil
import subprocess

import docx
import pytest


def test_full_roster_builds_in_well_under_a_minute(full_draft):
    assert len(full_draft.agency_names) >= 30 and full_draft.paragraphs >= 500
    assert full_draft.seconds < 60, f"building took {full_draft.seconds:.1f} s"
    d = docx.Document(str(full_draft.result.docx_path))
    stats_rows = d.tables[1].rows
    assert len(stats_rows) == 1 + len(full_draft.agency_names)
    assert {r.cells[3].text for r in list(stats_rows)[1:]} == {"Đúng hạn"}
    assert full_draft.result.statistics["reporting_rate"] == 1.0


@pytest.mark.libreoffice
def test_libreoffice_opens_it(full_draft, tmp_path, artifacts_dir):
    source = full_draft.result.docx_path
    out = tmp_path / "pdf"
    profile = (tmp_path / "lo-profile").as_uri()
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    pdf = out / (source.stem + ".pdf")
    assert pdf.is_file(), done.stdout + done.stderr
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert "Kết quả thực hiện công tác thông tin đối ngoại 6 tháng đầu năm 2018" in flat
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in flat and "Độc lập - Tự do - Hạnh phúc" in flat
    missing = [name for name in full_draft.agency_names if " ".join(name.split()) not in flat]
    assert missing == []
    # The first page, for a person to look at.
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(tmp_path / "page1")],
        check=True,
    )
    png = artifacts_dir / "consolidated-report-page1.png"
    shutil.copyfile(tmp_path / "page1.png", png)
    assert png.stat().st_size > 10_000
    shutil.copyfile(pdf, artifacts_dir / "consolidated-report.pdf")
