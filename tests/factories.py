"""Builders of parsed `Message` values for tests of the pure core (no bytes involved)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracker.understand.parse import Address, Message

OWNER = "alex@example.com"
BASE = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def message(
    message_id: str,
    *,
    subject: str = "Interview",
    sender: str = "dana@northwind.example",
    to: tuple[str, ...] = (OWNER,),
    cc: tuple[str, ...] = (),
    day: float | None = 0,
    in_reply_to: tuple[str, ...] = (),
    references: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
    auto_reply: tuple[str, ...] = (),
) -> Message:
    """A parsed message; `day` counts days after BASE (None: no Date header)."""
    return Message(
        message_id=message_id,
        message_id_synthesised=False,
        in_reply_to=in_reply_to,
        references=references,
        subject=subject,
        sender=Address("", sender),
        to=tuple(Address("", a) for a in to),
        cc=tuple(Address("", a) for a in cc),
        reply_to=(),
        date=None if day is None else BASE + timedelta(days=day),
        direction="outgoing" if sender == OWNER else "incoming",
        text="",
        new_text="",
        quoted_text="",
        signature="",
        calendar=(),
        auto_reply=auto_reply,
        headers=headers or {},
    )
