"""A parsed `Message` as a compact JSON value and back, so the store can keep what
understanding needs without keeping the mail itself.

Kept: every header-derived field, the new text and the signature (capped), calendar events and
auto-reply signals. Left out: the quoted text, which repeats earlier messages of the thread
(a restored message has `text` equal to its new text and signature, and no quoted text).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tracker.understand.parse import Address, CalendarEvent, Message

TEXT_CAP = 16 * 1024
SIGNATURE_CAP = 2 * 1024


def message_to_json(message: Message) -> dict[str, Any]:
    """The JSON-serialisable form of `message` (texts capped)."""
    return {
        "message_id": message.message_id,
        "message_id_synthesised": message.message_id_synthesised,
        "in_reply_to": list(message.in_reply_to),
        "references": list(message.references),
        "subject": message.subject,
        "sender": _address(message.sender),
        "to": [_address(a) for a in message.to],
        "cc": [_address(a) for a in message.cc],
        "reply_to": [_address(a) for a in message.reply_to],
        "date": _moment(message.date),
        "direction": message.direction,
        "new_text": message.new_text[:TEXT_CAP],
        "signature": message.signature[:SIGNATURE_CAP],
        "calendar": [_event(e) for e in message.calendar],
        "auto_reply": list(message.auto_reply),
        "headers": dict(message.headers),
        "unparseable": message.unparseable,
        "defects": list(message.defects),
    }


def message_from_json(data: Mapping[str, Any]) -> Message:
    """The `Message` that `message_to_json` described (see the module docstring for losses)."""
    new_text = str(data.get("new_text", ""))
    signature = str(data.get("signature", ""))
    return Message(
        message_id=str(data["message_id"]),
        message_id_synthesised=bool(data.get("message_id_synthesised", False)),
        in_reply_to=tuple(data.get("in_reply_to", ())),
        references=tuple(data.get("references", ())),
        subject=str(data.get("subject", "")),
        sender=_from_address(data.get("sender")),
        to=_addresses(data.get("to", ())),
        cc=_addresses(data.get("cc", ())),
        reply_to=_addresses(data.get("reply_to", ())),
        date=_from_moment(data.get("date")),
        direction="outgoing" if data.get("direction") == "outgoing" else "incoming",
        text="\n".join(part for part in (new_text, signature) if part),
        new_text=new_text,
        quoted_text="",
        signature=signature,
        calendar=tuple(_from_event(e) for e in data.get("calendar", ())),
        auto_reply=tuple(data.get("auto_reply", ())),
        headers={str(k): str(v) for k, v in dict(data.get("headers", {})).items()},
        unparseable=data.get("unparseable"),
        defects=tuple(data.get("defects", ())),
    )


def _address(address: Address | None) -> list[str] | None:
    return None if address is None else [address.name, address.email]


def _from_address(value: Any) -> Address | None:
    if not value:
        return None
    name, email = value
    return Address(str(name), str(email))


def _addresses(values: Any) -> tuple[Address, ...]:
    return tuple(a for a in (_from_address(v) for v in values) if a is not None)


def _moment(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _from_moment(value: Any) -> datetime | None:
    return None if not value else datetime.fromisoformat(str(value))


def _event(event: CalendarEvent) -> dict[str, Any]:
    return {
        "method": event.method,
        "uid": event.uid,
        "sequence": event.sequence,
        "status": event.status,
        "summary": event.summary,
        "description": event.description[:TEXT_CAP],
        "location": event.location,
        "start": _moment(event.start),
        "end": _moment(event.end),
        "organizer": _address(event.organizer),
        "attendees": [_address(a) for a in event.attendees],
    }


def _from_event(data: Mapping[str, Any]) -> CalendarEvent:
    return CalendarEvent(
        method=data.get("method"),
        uid=data.get("uid"),
        sequence=int(data.get("sequence", 0)),
        status=data.get("status"),
        summary=str(data.get("summary", "")),
        description=str(data.get("description", "")),
        location=str(data.get("location", "")),
        start=_from_moment(data.get("start")),
        end=_from_moment(data.get("end")),
        organizer=_from_address(data.get("organizer")),
        attendees=_addresses(data.get("attendees", ())),
    )
