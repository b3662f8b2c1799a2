"""Check-in and thank-you drafts: recipient, threading, words, templates, what they never say."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tracker.config import TemplateSettings
from tracker.drafts import (
    Draft,
    DraftKind,
    NoRecipient,
    body_hash,
    concrete_point,
    first_name,
    render_draft,
)
from tracker.mail.compose import compose, make_message_id
from tracker.rendering import TemplateProblem
from tracker.understand.facts import ThreadFacts, thread_facts
from tracker.understand.parse import Address, Message, parse_message
from tracker.understand.signals import is_checkin, is_thank_you
from tracker.understand.threads import Thread, group_threads

SAMPLE = Path(__file__).resolve().parents[1] / "tracker" / "samples" / "mailbox"
OWNER = "alex@example.com"
OWNERS = frozenset({OWNER})
DANA = "dana.whitfield@northwindlabs.com"
PLAIN = TemplateSettings()
KINDS: tuple[tuple[DraftKind, int], ...] = (("thank_you", 1), ("checkin", 1), ("checkin", 2))
# Words that would tell the reader a program wrote the mail.
TELLTALE = re.compile(
    r"automat|follow-?up|\bbots?\b|sent by|sent with|generated|tracker|\bscript|\btool\b|"
    r"\bdaemon\b|template|\bNone\b|\{|\}",
    re.IGNORECASE,
)


def _threads(paths: list[Path]) -> list[Thread]:
    messages = [parse_message(path.read_bytes(), OWNERS) for path in paths]
    return group_threads(messages, OWNERS)


@cache
def northwind(without: tuple[str, ...] = ()) -> tuple[Thread, ThreadFacts]:
    """The bundled Northwind thread (invite, confirmation, thank-you, auto-reply, timeline)."""
    paths = [p for p in sorted(SAMPLE.glob("*.eml")) if p.name not in without]
    thread = next(t for t in _threads(paths) if "<nw-invite-1@northwindlabs.com>" in t.message_ids)
    return thread, thread_facts(thread, OWNERS, "DE")


def acme() -> tuple[Thread, ThreadFacts]:
    """The bundled Acme thread: an applicant-tracking no-reply sender with a Reply-To."""
    paths = sorted(SAMPLE.glob("05-*.eml")) + sorted(SAMPLE.glob("06-*.eml"))
    (thread,) = _threads(paths)
    return thread, thread_facts(thread, OWNERS, "US")


def eml(
    message_id: str,
    sender: str,
    body: str,
    *,
    subject: str = "Interview for the Platform Engineer role",
    date: str = "Mon, 02 Nov 2026 10:00:00 +0100",
    in_reply_to: str | None = None,
    extra: str = "",
) -> bytes:
    threading = f"In-Reply-To: {in_reply_to}\nReferences: {in_reply_to}\n" if in_reply_to else ""
    to = "Alex Morgan <alex@example.com>" if OWNER not in sender else "talent@globex.example"
    return (
        f"From: {sender}\nTo: {to}\nSubject: {subject}\nDate: {date}\n"
        f"Message-ID: {message_id}\n{threading}{extra}"
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
        f"{body}\n"
    ).encode()


def thread_of(*raws: bytes) -> tuple[Thread, ThreadFacts]:
    (thread,) = group_threads([parse_message(raw, OWNERS) for raw in raws], OWNERS)
    return thread, thread_facts(thread, OWNERS, "US")


def draft(
    kind: DraftKind = "checkin",
    ordinal: int = 1,
    pair: tuple[Thread, ThreadFacts] | None = None,
    templates: TemplateSettings = PLAIN,
    **facts_changes: object,
) -> Draft:
    thread, facts = pair or northwind()
    if facts_changes:
        facts = replace(facts, **facts_changes)  # type: ignore[arg-type]
    return render_draft(kind, ordinal, thread, facts, OWNERS, templates)


def words(body: str) -> int:
    return len(body.split())


# --- who it goes to, and how it threads ------------------------------------------------------


def test_checkin_answers_the_recruiters_latest_message() -> None:
    result = draft()
    assert result.to == Address("Dana Whitfield", DANA)
    assert result.in_reply_to == "<nw-timeline-1@northwindlabs.com>"
    assert result.references == (
        "<nw-invite-1@northwindlabs.com>",
        "<alex-confirm-1@example.com>",
        "<alex-thanks-1@example.com>",
        "<nw-timeline-1@northwindlabs.com>",
    )
    assert result.subject == "Re: Interview: Senior Data Engineer at Northwind Labs"


def test_an_auto_reply_is_never_the_recipient_or_the_parent() -> None:
    # Without Dana's reply the latest incoming message is Priya's out-of-office notice.
    thread, facts = northwind(without=("04-northwind-timeline.eml",))
    assert thread.messages[-1].message_id == "<ooo-priya-1@northwindlabs.com>"
    result = render_draft("checkin", 1, thread, facts, OWNERS, PLAIN)
    assert result.to.email == DANA
    assert result.in_reply_to == "<nw-invite-1@northwindlabs.com>"
    assert result.references == ("<nw-invite-1@northwindlabs.com>",)
    # The invite's subject had no "Re:"; the reply gets exactly one.
    assert result.subject == "Re: Interview: Senior Data Engineer at Northwind Labs"


def test_an_applicant_tracking_sender_is_answered_through_the_person_it_names() -> None:
    result = draft(pair=acme())
    assert result.to == Address("Jordan Lee", "jordan.lee@acmerobotics.com")
    assert result.in_reply_to == "<gh-acme-2@us.greenhouse-mail.io>"
    assert "no-reply" not in result.to.email
    assert result.body.startswith("Hi Jordan,\n")


def test_only_a_no_reply_sender_means_no_recipient() -> None:
    pair = thread_of(
        eml(
            "<gh-1@us.greenhouse-mail.io>",
            "Globex Recruiting <no-reply@us.greenhouse-mail.io>",
            "Hi Alex,\n\nYour interview for the Platform Engineer role is confirmed for "
            "Tuesday, November 3 at 2pm.",
        ),
        eml(
            "<alex-1@example.com>",
            "Alex Morgan <alex@example.com>",
            "Thank you for the conversation today, I enjoyed it.",
            subject="Re: Interview for the Platform Engineer role",
            date="Tue, 03 Nov 2026 18:00:00 +0100",
            in_reply_to="<gh-1@us.greenhouse-mail.io>",
        ),
    )
    assert pair[1].contacts == ()
    with pytest.raises(NoRecipient, match="no-reply"):
        draft(pair=pair)
    # A contact known some other way is written to, in reply to the thread's last message.
    result = draft(pair=pair, contacts=(Address("Sam Ortiz", "sam.ortiz@globex.example"),))
    assert result.to.email == "sam.ortiz@globex.example"
    assert result.in_reply_to == "<alex-1@example.com>"
    assert result.references == ("<gh-1@us.greenhouse-mail.io>", "<alex-1@example.com>")
    assert result.body.startswith("Hi Sam,\n")


def test_a_synthesised_message_id_is_never_referenced() -> None:
    raw = eml("<x@y>", "Dana Whitfield <dana@globex.example>", "Let's talk Tuesday at 2pm.")
    without_id = raw.replace(b"Message-ID: <x@y>\n", b"")
    thread, facts = thread_of(without_id)
    assert thread.messages[0].message_id_synthesised
    result = render_draft("checkin", 1, thread, facts, OWNERS, PLAIN)
    assert result.to.email == "dana@globex.example"
    assert (result.in_reply_to, result.references) == ("", ())


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Interview", "Re: Interview"),
        ("Re: Interview", "Re: Interview"),
        ("RE: Re:  Interview  next\tweek", "Re: Interview next week"),
        ("AW: Interview", "Re: AW: Interview"),
        ("Entretien – Ingénieur données", "Re: Entretien – Ingénieur données"),
    ],
)
def test_subject_gets_one_reply_prefix(subject: str, expected: str) -> None:
    pair = thread_of(
        eml("<d-1@globex.example>", "Dana <dana@globex.example>", "Hi", subject=subject)
    )
    assert draft(pair=pair).subject == expected


# --- the words -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("display_name", "expected"),
    [
        ("Dana Whitfield", "Dana"),
        ("Whitfield, Dana", "Dana"),
        ("Dana Whitfield, PhD", "Dana"),
        ("Dr. Dana Whitfield", "Dana"),
        ("DANA WHITFIELD", "Dana"),
        ("jean-luc picard", "Jean-Luc"),
        ("José Álvarez", "José"),
        ('"Dana Whitfield (Northwind)"', "Dana"),
        ("Dana", "Dana"),
        ("", None),
        ("   ", None),
        ("Northwind Recruiting", None),
        ("Talent Acquisition Team", None),
        ("dana.whitfield@northwindlabs.com", None),
        ("J. Whitfield", None),
    ],
)
def test_first_name(display_name: str, expected: str | None) -> None:
    assert first_name(display_name) == expected


def test_greeting_is_neutral_without_a_name() -> None:
    pair = thread_of(eml("<d-1@globex.example>", "dana@globex.example", "Hi Alex, talk soon."))
    assert draft(pair=pair).body.startswith("Hello,\n\n")
    assert draft().body.startswith("Hi Dana,\n\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Thank you for taking the time to speak with me yesterday. I especially enjoyed\n"
            "our discussion of moving the nightly batch jobs to streaming, and it made me\n"
            "even more excited about the role.",
            "moving the nightly batch jobs to streaming",
        ),
        ("I especially enjoyed discussing the streaming migration.", "the streaming migration"),
        (
            "I enjoyed talking about the on-call rotation with Priya and Tom yesterday.",
            "the on-call rotation",
        ),
        (
            "It was great to learn about your plans for the EU data platform, thanks!",
            "your plans for the EU data platform",
        ),
        (
            "Thanks for walking me through how the team ships models to production.",
            "how the team ships models to production",
        ),
        (
            "I really appreciated our conversation about data contracts - very helpful.",
            "data contracts",
        ),
        ("Thank you for your time today.", None),
        ("I enjoyed discussing it.", None),
        ("I enjoyed learning about the team.", None),
        ("", None),
    ],
)
def test_concrete_point(text: str, expected: str | None) -> None:
    assert concrete_point(text) == expected


def test_checkin_reuses_the_point_from_the_owners_thank_you() -> None:
    result = draft()
    assert "I have kept thinking about moving the nightly batch jobs to streaming," in result.body
    assert "Thank you again for" in result.body  # the thank-you went out: "again" is true
    # Without the thank-you the sentence is left out, not left half-empty.
    without = draft(thankyou_message_id=None)
    assert "streaming" not in without.body
    assert "thinking about" not in without.body
    assert "Thank you for taking the time" in without.body
    assert "again" not in without.body


def test_role_and_company_appear_when_known_and_are_left_out_when_not() -> None:
    both = draft(role="Senior Data Engineer", company="Northwind Labs")
    assert "the Senior Data Engineer role at Northwind Labs" in both.body
    role_only = draft(role="Senior Data Engineer", company=None)
    assert "the Senior Data Engineer role." in role_only.body
    assert "Northwind" not in role_only.body
    neither = draft(role=None, company=None)
    assert "about the role." in neither.body
    assert " at " not in neither.body
    # A role read from a subject that also named the company is not doubled.
    acme_draft = draft(pair=acme())
    assert "the Backend Engineer role at Acme Robotics." in acme_draft.body
    for kind, ordinal in KINDS:
        text = draft(kind, ordinal, role=None, company=None).body
        assert "None" not in text
        assert "  " not in text


def test_signature_is_appended_and_the_name_not_written_twice() -> None:
    signature = "Alex Morgan\n+49 30 1234567"
    for kind, ordinal in KINDS:
        signed = draft(kind, ordinal, templates=TemplateSettings(signature=signature))
        assert signed.body.endswith("Best regards,\n" + signature + "\n")
        assert signed.body.count("Alex Morgan") == 1
    other = draft(templates=TemplateSettings(signature="+49 30 1234567\nlinkedin.com/in/alex"))
    assert other.body.endswith(
        "Best regards,\nAlex Morgan\n\n+49 30 1234567\nlinkedin.com/in/alex\n"
    )
    unsigned = draft()
    assert unsigned.body.endswith("Best regards,\nAlex Morgan\n")


def test_without_the_owners_name_the_closing_stands_alone() -> None:
    pair = thread_of(eml("<d-1@globex.example>", "Dana <dana@globex.example>", "Hi Alex"))
    assert draft(pair=pair).body.endswith("Best regards,\n")
    signed = draft(pair=pair, templates=TemplateSettings(signature="Alex M."))
    assert signed.body.endswith("Best regards,\nAlex M.\n")


def test_checkins_are_short_and_the_second_is_shorter() -> None:
    thread, facts = northwind()
    plain_facts = replace(facts, thankyou_message_id=None, role="Senior Data Engineer")
    for pair in ((thread, facts), (thread, plain_facts), acme()):
        first = draft("checkin", 1, pair=pair).body
        second = draft("checkin", 2, pair=pair).body
        assert words(first) < 90
        assert words(second) < 60
        assert words(second) < words(first)
        assert "next steps" in first and "?" in first  # asks about next steps


def test_no_draft_reveals_a_program_wrote_it() -> None:
    pairs = [northwind(), acme(), northwind(without=("03-northwind-thankyou.eml",))]
    for pair in pairs:
        for kind, ordinal in KINDS:
            result = draft(kind, ordinal, pair=pair)
            assert not TELLTALE.search(result.body), result.body
            assert not TELLTALE.search(result.subject)


@pytest.mark.parametrize(("kind", "ordinal"), KINDS)
def test_drafts_read_as_what_they_are_once_sent(kind: DraftKind, ordinal: int) -> None:
    # A sent check-in must count as one (the cap on check-ins relies on it) and a sent
    # thank-you as a thank-you.
    result = draft(kind, ordinal)
    sent = compose(
        result,
        Address("Alex Morgan", OWNER),
        make_message_id(OWNER),
        datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
    )
    message: Message = parse_message(sent.as_bytes(), OWNERS)
    assert message.direction == "outgoing"
    assert is_checkin(message) == (kind == "checkin")
    assert is_thank_you(message) == (kind == "thank_you")


def test_body_hash_binds_the_exact_text() -> None:
    body = draft().body
    assert body_hash(body) == hashlib.sha256(body.encode()).hexdigest()
    assert body_hash(body) != body_hash(body.replace("Dana", "Dana "))


def test_unknown_ordinal_is_refused() -> None:
    with pytest.raises(ValueError, match="checkin draft number 3"):
        draft("checkin", 3)
    with pytest.raises(ValueError, match="thank_you draft number 2"):
        draft("thank_you", 2)


# --- templates ---------------------------------------------------------------------------------


def test_a_user_template_overrides_the_bundled_one_file_by_file(tmp_path: Path) -> None:
    (tmp_path / "checkin_1.txt.j2").write_text(
        "Hey {{ first_name }}!\n{% if point %}\nStill on {{ point }}.\n{% endif %}\n"
        "News on {{ position }}?\n",
        encoding="utf-8",
    )
    settings_ = TemplateSettings(directory=tmp_path, signature="A.")
    first = draft(templates=settings_, role="Senior Data Engineer")
    assert first.body == (
        "Hey Dana!\nStill on moving the nightly batch jobs to streaming.\n"
        "News on the Senior Data Engineer role at Northwind Labs?\n\nA.\n"
    )
    # The other kinds still come from the bundled templates.
    assert (
        draft("checkin", 2, templates=settings_).body
        == draft("checkin", 2, templates=TemplateSettings(signature="A.")).body
    )


def test_a_template_with_a_syntax_error_names_its_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "checkin_2.txt.j2"
    broken.write_text("Hi {{ first_name }},\n\n{% if point %}\nabout {{ point }\n", "utf-8")
    with pytest.raises(TemplateProblem) as caught:
        draft("checkin", 2, templates=TemplateSettings(directory=tmp_path))
    assert f"{broken}:4" in str(caught.value)
    assert caught.value.exit_code == 2


def test_a_template_with_an_undefined_variable_names_its_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "thank_you.txt.j2"
    broken.write_text("Hi {{ first_name }},\n\nThanks.\n{{ recruiter_nmae }}\n", "utf-8")
    with pytest.raises(TemplateProblem) as caught:
        draft("thank_you", 1, templates=TemplateSettings(directory=tmp_path))
    message = str(caught.value)
    assert f"{broken}:4" in message
    assert "recruiter_nmae" in message


def test_a_template_that_renders_nothing_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "checkin_1.txt.j2").write_text("{% if false %}x{% endif %}\n", "utf-8")
    with pytest.raises(TemplateProblem, match="no text"):
        draft(templates=TemplateSettings(directory=tmp_path))


# --- arbitrary names and subjects ------------------------------------------------------------

_names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recipient_name=_names, owner_name=_names, subject=_names, company=_names)
@example('Whitfield, "Dana" <x@y>', "=?utf-8?b?QQ==?=", "=?utf-8?q?x?= Re:", "Acme & Co")
@example("", "", "", "")
@example("Dana\r\nBcc: x@y", "Alex\n", "a" * 200, "{{ x }}")
@example("Zoë \u2028 Å", "中文 名字", "Re: RE: re:  Entretien – données\t面接", "Ñandú")
def test_arbitrary_names_and_subjects_render_and_compose(
    recipient_name: str, owner_name: str, subject: str, company: str
) -> None:
    thread, facts = northwind()
    messages = []
    for original in thread.messages:
        changed_message = original
        if original.direction == "outgoing":
            changed_message = replace(original, sender=Address(owner_name, OWNER))
        elif original.message_id == "<nw-timeline-1@northwindlabs.com>":
            changed_message = replace(
                original, sender=Address(recipient_name, DANA), subject=subject
            )
        messages.append(changed_message)
    changed = replace(thread, messages=tuple(messages))
    for kind, ordinal in KINDS:
        result = render_draft(
            kind, ordinal, changed, replace(facts, company=company or None), OWNERS, PLAIN
        )
        assert result.to.email == DANA
        assert result.subject.startswith("Re: ")
        assert "\n" not in result.subject
        message_id = make_message_id(OWNER)
        sent = compose(
            result, Address(owner_name, OWNER), message_id, datetime(2026, 11, 20, tzinfo=UTC)
        )
        back = parse_message(sent.as_bytes(), OWNERS)
        assert back.unparseable is None
        assert back.message_id == message_id
        assert back.in_reply_to == (result.in_reply_to,)
        assert back.references == result.references
        assert back.subject == result.subject
        assert back.to[0].email == DANA
        assert sent.get_content() == result.body
