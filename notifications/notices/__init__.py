"""One function per notice of the cycle: gather what it says from the rows, then compose and write it to the outbox.

Each notice kind has its module, which *gathers* (reads the rows, builds the template context, the
recipients and attachments into a `Notice`); `common.write_notice` *composes* it (template, MIME)
and writes it to the outbox. Every function is keyword-only, takes the settings and `now`, and is
idempotent: its idempotency key (`notifications.keys`) names the notice, so calling it again returns
the row already written. Nothing here sends; `notifications.sender.deliver_pending` does.
"""

from notifications.keys import request_key
from notifications.notices.assignment import enqueue_assignment
from notifications.notices.common import (
    ICS_FILENAME,
    NoRecipient,
    Notice,
    form_filename,
    plan_reference,
    request_message_id,
    write_notice,
)
from notifications.notices.digest import enqueue_digest
from notifications.notices.press import enqueue_press_reminder
from notifications.notices.receipt import enqueue_receipt
from notifications.notices.refusal import RefusalReason, enqueue_refusal
from notifications.notices.reminder import enqueue_escalation, enqueue_reminder
from notifications.notices.report import enqueue_report, report_filename
from notifications.notices.request import enqueue_request, file_attachment

__all__ = [
    "ICS_FILENAME",
    "NoRecipient",
    "Notice",
    "RefusalReason",
    "enqueue_assignment",
    "enqueue_digest",
    "enqueue_escalation",
    "enqueue_press_reminder",
    "enqueue_receipt",
    "enqueue_refusal",
    "enqueue_reminder",
    "enqueue_report",
    "enqueue_request",
    "file_attachment",
    "form_filename",
    "plan_reference",
    "report_filename",
    "request_key",
    "request_message_id",
    "write_notice",
]
