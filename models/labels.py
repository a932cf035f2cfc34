"""The Vietnamese names of agency statuses and reply channels, in one place: the Prefect UI, the report and the portal read them.

*pending* and *missing* are different states and have different words: an agency that has not
reported yet while the round still accepts reports ("Chưa báo cáo") is not one that did not report
by the lock date ("Không báo cáo").
"""

from __future__ import annotations

from models.tables import AgencyStatus, Channel

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


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.email: "Thư điện tử",
    Channel.upload: "Trang báo cáo trực tuyến",
    Channel.manual: "Cán bộ tổng hợp nhập",
}


def channel_label(channel: Channel | str) -> str:
    """The Vietnamese name of a reply channel (a member or its stored value)."""
    return CHANNEL_LABELS[Channel(channel)]
