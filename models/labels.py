"""The Vietnamese name of every agency status, in one place: the Prefect UI, the report and the portal all read it.

*pending* and *missing* are different states and have different words: an agency that has not
reported yet while the round still accepts reports ("Chưa báo cáo") is not one that did not report
by the lock date ("Không báo cáo").
"""

from __future__ import annotations

from models.tables import AgencyStatus

STATUS_LABELS: dict[AgencyStatus, str] = {
    AgencyStatus.pending: "Chưa báo cáo",
    AgencyStatus.on_time: "Đúng hạn",
    AgencyStatus.late: "Trễ hạn",
    AgencyStatus.nil: "Không phát sinh",
    AgencyStatus.exempt: "Miễn báo cáo",
    AgencyStatus.missing: "Không báo cáo",
}


def status_label(status: AgencyStatus | str) -> str:
    """The Vietnamese name of an agency status (a member or its stored value)."""
    return STATUS_LABELS[AgencyStatus(status)]
