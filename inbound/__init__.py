"""Replies by email: mailbox (IMAP) → collector → ingest (rawstore, parsing, autoreply, matching, senders, attachments, formreader, bodytext) → recording; quarantine for the officer."""
