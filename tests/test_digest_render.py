"""The approval digest rendered: codes, why-now sentences, drafts, mailto: links, zones."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tracker.approvals.commands import parse_command_text
from tracker.approvals.digest import (
    DigestContent,
    DigestEntry,
    has_news,
    mailto,
    render_digest,
    why_now,
)
from tracker.config import TemplateSettings
from tracker.rendering import TemplateProblem
from tracker.store.records import QueueItem, ThreadInfo
from tracker.understand.html_text import html_to_text

OWNER = "alex@example.com"
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 16, 13, 30, tzinfo=UTC)  # Mon 16 Nov, 08:30 in New York
HASH = "9f2c5e0a7b1d4c3e8f6a2b9d0c7e5f1a3b8d6c4e2f0a9b7c5d3e1f8a6b4c2d0e"


def queue_item(
    code: str,
    *,
    thread_key: str,
    kind: str = "checkin",
    ordinal: int = 1,
    basis: str = "checkin1@20261105T0900Z",
    reason: str = "7 days since your thank-you on 2026-11-03",
    to_name: str = "Dana Whitfield",
    to_address: str = "dana@northwind.example",
    subject: str = "Re: Interview: Senior Data Engineer",
    body: str = "Hi Dana,\n\nI wanted to check in.\n\nBest regards,\nAlex\n",
    due: datetime = datetime(2026, 11, 17, 14, 30, tzinfo=UTC),
    state: str = "queued",
    note: str = "",
    sending_at: datetime | None = None,
) -> QueueItem:
    return QueueItem(
        code=code,
        account="main",
        thread_key=thread_key,
        kind=kind,
        ordinal=ordinal,
        basis=basis,
        state=state,  # type: ignore[arg-type]
        due=due,
        reason=reason,
        to_name=to_name,
        to_address=to_address,
        subject=subject,
        in_reply_to="<timeline-1@northwind.example>",
        references=("<invite-1@northwind.example>", "<timeline-1@northwind.example>"),
        body=body,
        body_hash=HASH,
        edited=False,
        approved_hash=None,
        approved_at=None,
        snoozed_until=None,
        message_id="<draft-" + code + "@followup.alex.example>",
        sending_at=sending_at,
        sent_at=None,
        note=note,
        created_at=NOW,
        updated_at=NOW,
    )


def thread_info(
    thread_key: str,
    *,
    company: str | None,
    role: str | None,
    interview_at: str | None = "2026-11-03T14:00:00-05:00",
    thankyou_at: str | None = "2026-11-03T19:12:00-05:00",
    timeline: dict[str, Any] | None = None,
    contacts: tuple[tuple[str, str], ...] = (("Dana Whitfield", "dana@northwind.example"),),
    last_message_at: datetime | None = datetime(2026, 11, 5, 15, 0, tzinfo=UTC),
    step: dict[str, Any] | None = None,
    subject: str = "Interview",
) -> ThreadInfo:
    facts = {
        "is_interview": True,
        "company": company,
        "role": role,
        "contacts": [{"name": name, "email": email} for name, email in contacts],
        "interview_at": interview_at,
        "thankyou_at": thankyou_at,
        "stated_timeline": timeline,
        "outcome": "open",
        "checkins_sent": 0,
    }
    return ThreadInfo(
        account="main",
        thread_key=thread_key,
        subject=subject,
        last_message_at=last_message_at,
        is_interview=True,
        outcome="open",
        facts=facts,
        step=step or {"kind": "wait", "reason": "waiting", "due": None, "ordinal": 0, "basis": ""},
        stopped_at=None,
        analysed_at=NOW,
    )


NORTHWIND = thread_info(
    "northwind",
    company="Northwind Labs",
    role="Senior Data Engineer",
    timeline={"text": "by the end of next week", "due": "2026-11-13"},
    step={"kind": "checkin", "reason": "...", "due": "2026-11-17T09:30:00-05:00", "ordinal": 1,
          "basis": "checkin1@20261105T0900Z"},
)  # fmt: skip
GLOBEX = thread_info(
    "globex",
    company="Globex & Partners",
    role="Platform Lead",
    # 03:30 UTC on Saturday is still Friday evening in New York.
    interview_at="2026-11-14T03:30:00+00:00",
    thankyou_at=None,
    contacts=(("Sam Ortiz", "sam@globex.example"),),
    last_message_at=datetime(2026, 11, 12, 18, 0, tzinfo=UTC),
    step={"kind": "thank_you", "reason": "...", "due": "2026-11-16T09:30:00-05:00",
          "ordinal": 1, "basis": "thank_you@20261114T0430Z"},
)  # fmt: skip
INITECH = thread_info(
    "initech",
    company="Initech",
    role="Site Reliability Engineer",
    contacts=(("Priya Nair", "priya@initech.example"),),
    step={"kind": "checkin", "reason": "...", "due": "2026-11-17T09:30:00-05:00", "ordinal": 2,
          "basis": "checkin2@20261110T1430Z"},
)  # fmt: skip
HOOLI = thread_info(
    "hooli",
    company="Hooli",
    role="Data Scientist",
    last_message_at=datetime(2026, 11, 9, 12, 0, tzinfo=UTC),
    step={"kind": "owe_reply", "reason": "they asked you something", "due": None, "ordinal": 0,
          "basis": ""},
)  # fmt: skip
ACME = thread_info(
    "acme",
    company="Acme Corp",
    role="Backend Engineer",
    step={"kind": "moved_on", "reason": "2 check-ins without an answer; moved on",
          "due": "2026-11-15T14:00:00+00:00", "ordinal": 0, "basis": ""},
)  # fmt: skip

CHECKIN = queue_item(
    "K7Q2",
    thread_key="northwind",
    reason="they said 'by the end of next week' (2026-11-13) and it has passed",
    body=(
        "Hi Dana,\n\nThank you again for the conversation about R&D data pipelines. "
        'I kept thinking about <script>alert("x")</script> in the migration.\n\n'
        "Best regards,\nAlex\n"
    ),
)
THANK_YOU = queue_item(
    "M3X9",
    thread_key="globex",
    kind="thank_you",
    basis="thank_you@20261114T0430Z",
    reason="no thank-you note since the interview on 2026-11-14",
    to_name="Sam Ortiz",
    to_address="sam@globex.example",
    subject="Re: Platform Lead interview",
    body="Hi Sam,\n\nThank you for taking the time to speak with me.\n\nBest regards,\nAlex\n",
    due=datetime(2026, 11, 16, 14, 30, tzinfo=UTC),
)
SECOND = queue_item(
    "HH3P",
    thread_key="initech",
    ordinal=2,
    basis="checkin2@20261110T1430Z",
    reason="no answer to the check-in of 2026-11-10",
    to_name="Nair, Priya",
    to_address="priya@initech.example",
    subject="Re: SRE onsite",
    body="Hi Priya,\n\nI wanted to check in once more.\n\nBest regards,\nAlex\n",
)
LOST = queue_item(
    "P4RT",
    thread_key="hooli",
    state="unknown",
    to_name="Gavin Belson",
    to_address="gavin@hooli.example",
    note="the connection dropped after the message was handed over; not in Sent yet",
    sending_at=datetime(2026, 11, 13, 14, 31, tzinfo=UTC),
)

ENTRIES = (
    DigestEntry(CHECKIN, NORTHWIND),
    DigestEntry(THANK_YOU, GLOBEX),
    DigestEntry(SECOND, INITECH),
)
PROBLEM = "Logging in to the account main fails: the server refused the password."


def content(**changes: Any) -> DigestContent:
    full = DigestContent(
        digest_id="D7K2QX",
        reply_to=OWNER,
        entries=ENTRIES,
        moved_on=(ACME,),
        unknown=(LOST,),
        problems=(PROBLEM,),
        threads=(NORTHWIND, GLOBEX, INITECH, HOOLI),
        now=NOW,
        zone=NEW_YORK,
    )
    return replace(full, **changes)


def empty(**changes: Any) -> DigestContent:
    nothing: dict[str, Any] = {
        "entries": (),
        "moved_on": (),
        "unknown": (),
        "problems": (),
        "threads": (),
    }
    return content(**(nothing | changes))


class _Links(HTMLParser):
    """Every href and every tag name of an HTML document (entities decoded, as a client)."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self.styles: list[str] = []  # style attributes
        self.style_blocks: list[str] = []  # <style> contents
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_style = tag == "style"
        for name, value in attrs:
            if name == "href" and value is not None:
                self.hrefs.append(value)
            if name == "style" and value is not None:
                self.styles.append(value)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style_blocks.append(data)


def parsed_html(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    parser.close()
    return parser


def mail_fields(link: str) -> tuple[str, dict[str, list[str]]]:
    """A mailto: URL as a client reads it: the address and the header fields."""
    parts = urlsplit(link)
    assert parts.scheme == "mailto"
    return unquote(parts.path), parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)


# --- why now -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "zone", "expected"),
    [
        pytest.param(
            DigestEntry(CHECKIN, NORTHWIND), NEW_YORK,
            "Dana said “by the end of next week” (Fri 13 Nov); no reply since.",
            id="stated timeline passed",
        ),
        pytest.param(
            DigestEntry(queue_item("A234", thread_key="northwind",
                                   basis="checkin1@20261104T0300Z"),
                        replace(NORTHWIND, facts={**NORTHWIND.facts, "stated_timeline": None})),
            NEW_YORK,
            "No reply since your thank-you note on Tue 3 Nov.",
            id="default wait, the day in New York",
        ),
        pytest.param(
            DigestEntry(queue_item("A234", thread_key="northwind",
                                   basis="checkin1@20261104T0300Z"),
                        replace(NORTHWIND, facts={**NORTHWIND.facts, "stated_timeline": None})),
            BERLIN,
            "No reply since your thank-you note on Wed 4 Nov.",
            id="default wait, the day in Berlin",
        ),
        pytest.param(
            DigestEntry(queue_item("A234", thread_key="northwind",
                                   reason="7 days since their reply on 2026-11-05; they said "
                                          "'soon' without a date"),
                        replace(NORTHWIND, facts={**NORTHWIND.facts,
                                                  "stated_timeline": {"text": "soon",
                                                                      "due": None}})),
            NEW_YORK,
            "Dana said “soon” without a date; no reply since their last reply on Thu 5 Nov.",
            id="vague timeline",
        ),
        pytest.param(
            DigestEntry(SECOND, INITECH), NEW_YORK,
            "Priya has not answered your check-in of Tue 10 Nov; this second check-in is the "
            "last one.",
            id="second check-in, family name first",
        ),
        pytest.param(
            DigestEntry(THANK_YOU, GLOBEX), NEW_YORK,
            "The interview was on Fri 13 Nov at 22:30 and no thank-you note has gone out yet.",
            id="thank-you, interview late in the owner's evening",
        ),
        pytest.param(
            DigestEntry(replace(CHECKIN, to_name="Northwind Recruiting"), NORTHWIND), NEW_YORK,
            "They said “by the end of next week” (Fri 13 Nov); no reply since.",
            id="no person's name",
        ),
        pytest.param(
            DigestEntry(replace(CHECKIN, reason=CHECKIN.reason
                                + "; they are out of office until 2026-11-20"), NORTHWIND),
            NEW_YORK,
            "Dana said “by the end of next week” (Fri 13 Nov); no reply since; Dana is out of "
            "office until Fri 20 Nov.",
            id="out of office",
        ),
        pytest.param(
            DigestEntry(replace(CHECKIN, basis="odd", reason="a reason from 2026-11-02"), None),
            NEW_YORK,
            "A reason from Mon 2 Nov.",
            id="no thread: the policy's reason, readable",
        ),
    ],
)  # fmt: skip
def test_why_now(entry: DigestEntry, zone: ZoneInfo, expected: str) -> None:
    assert why_now(entry, zone) == expected


# --- mailto --------------------------------------------------------------------------------


def test_mailto_round_trips_awkward_text() -> None:
    link = mailto("alex+jobs@example.com", "Re: a&b=c #1 + [D7K2QX]?", "approve K7Q2\nskip M3X9")
    assert " " not in link
    address, fields = mail_fields(link)
    assert address == "alex+jobs@example.com"
    assert fields["subject"] == ["Re: a&b=c #1 + [D7K2QX]?"]
    assert fields["body"] == ["approve K7Q2\r\nskip M3X9"]  # RFC 6068: CRLF line breaks
    assert parse_command_text(fields["body"][0]).commands[0].code == "K7Q2"


def test_mailto_can_ask_for_in_reply_to() -> None:
    _, fields = mail_fields(mailto(OWNER, "Re: x", "approve all", in_reply_to="<d1@f.example>"))
    assert fields["In-Reply-To"] == ["<d1@f.example>"]
    _, plain = mail_fields(mailto(OWNER, "Re: x", "approve all"))
    assert "In-Reply-To" not in plain


# --- the whole digest ----------------------------------------------------------------------


def test_subject_counts_what_waits() -> None:
    assert render_digest(content(), TemplateSettings()).subject == (
        "followup: 2 check-ins and 1 thank-you note to approve [D7K2QX]"
    )
    only_one = content(entries=ENTRIES[:1])
    assert render_digest(only_one, TemplateSettings()).subject == (
        "followup: 1 check-in to approve [D7K2QX]"
    )
    no_drafts = content(entries=())
    assert render_digest(no_drafts, TemplateSettings()).subject == (
        "followup: 1 send to check, 1 problem, 1 thread moved on [D7K2QX]"
    )


def test_text_part_holds_every_draft_and_reason() -> None:
    text = render_digest(content(), TemplateSettings()).text
    for entry in ENTRIES:
        assert f"[{entry.item.code}]" in text
        assert why_now(entry, NEW_YORK) in text
        for line in entry.item.body.strip().splitlines():
            assert line in text  # the draft itself, unescaped: "R&D", "<script>" as written
        for command in (f"approve {entry.item.code}", f"snooze {entry.item.code} 3d"):
            assert command in text
    assert 'A line "approve all" approves every draft in this digest.' in text
    assert "Reply to this email with one command a line" in text
    assert "Northwind Labs · Senior Data Engineer" in text
    assert "Interview: Tue 3 Nov, 14:00" in text  # 14:00 in New York, as the owner lives
    # Thank-you notes have their own section, after the check-ins.
    assert text.index("CHECK-INS TO APPROVE") < text.index("[K7Q2]")
    assert text.index("[HH3P]") < text.index("THANK-YOU NOTES TO APPROVE") < text.index("[M3X9]")


def test_text_part_shows_news_and_status() -> None:
    text = render_digest(content(), TemplateSettings()).text
    moved = text[text.index("MOVED ON") : text.index("SENDS THAT NEED A LOOK")]
    assert "Acme Corp · Backend Engineer: 2 check-ins without an answer" in moved
    assert "(closed Sun 15 Nov)" in moved
    unknown = text[text.index("SENDS THAT NEED A LOOK") : text.index("PROBLEMS")]
    assert "[P4RT]" in unknown and LOST.note in unknown
    assert "sending started Fri 13 Nov, 09:31" in unknown
    assert PROBLEM in text[text.index("PROBLEMS") :]
    status = text[text.index("OPEN HIRING THREADS") : text.index("HOW TO REPLY")]
    for thread in (NORTHWIND, GLOBEX, INITECH, HOOLI):
        assert str(thread.facts["company"]) in status
    assert "next: check-in, Tue 17 Nov [K7Q2] waits for you" in status
    assert "next: second check-in, Tue 17 Nov [HH3P] waits for you" in status
    assert "next: your reply: they asked you something" in status
    assert "interview Fri 13 Nov" in status  # Globex, in New York's evening


def test_dates_follow_the_owners_zone() -> None:
    berlin = render_digest(content(zone=BERLIN), TemplateSettings()).text
    new_york = render_digest(content(), TemplateSettings()).text
    assert "Interview: Tue 3 Nov, 20:00" in berlin
    assert "Interview: Sat 14 Nov, 04:30" in berlin
    assert "Interview: Fri 13 Nov, 22:30" in new_york
    assert "Goes out: Tue 17 Nov, 15:30" in berlin
    assert "Goes out: Tue 17 Nov, 09:30" in new_york


def test_a_year_other_than_this_one_is_written() -> None:
    old = replace(NORTHWIND, facts={**NORTHWIND.facts, "interview_at": "2025-12-30T10:00:00Z"})
    text = render_digest(content(entries=(DigestEntry(CHECKIN, old),)), TemplateSettings()).text
    assert "Interview: Tue 30 Dec 2025, 05:00" in text


def test_html_part_escapes_the_draft_and_keeps_it_readable() -> None:
    html = render_digest(content(), TemplateSettings()).html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "R&amp;D data pipelines" in html
    assert "Globex &amp; Partners" in html
    shown = html_to_text(html)
    for entry in ENTRIES:
        assert entry.item.code in shown
        assert why_now(entry, NEW_YORK) in shown
    assert 'I kept thinking about <script>alert("x")</script> in the migration.' in shown
    assert PROBLEM in shown and LOST.note in shown


def test_html_links_open_prefilled_replies() -> None:
    rendered = render_digest(content(), TemplateSettings())
    page = parsed_html(rendered.html)
    bodies = []
    for link in page.hrefs:
        address, fields = mail_fields(link)
        assert address == OWNER
        assert fields["subject"] == [f"Re: {rendered.subject}"]
        bodies.extend(fields["body"])
    expected = {"approve all"}
    for entry in ENTRIES:
        code = entry.item.code
        expected |= {f"approve {code}", f"skip {code}", f"snooze {code} 3d", f"stop {code}"}
    assert set(bodies) == expected
    for body in bodies:  # each prefilled reply gives exactly its command
        (command,) = parse_command_text(body).commands
        assert command.line == body


def test_links_ask_for_in_reply_to_when_the_digest_id_is_known() -> None:
    rendered = render_digest(content(message_id="<d-1@followup.example>"), TemplateSettings())
    for link in parsed_html(rendered.html).hrefs:
        assert mail_fields(link)[1]["In-Reply-To"] == ["<d-1@followup.example>"]


def test_html_is_self_contained_and_phone_shaped() -> None:
    page = parsed_html(render_digest(content(), TemplateSettings()).html)
    assert not {"img", "script", "link", "iframe", "object", "embed", "form"} & set(page.tags)
    assert all(href.startswith("mailto:") for href in page.hrefs)  # nothing reports back
    assert [block.strip()[:6] for block in page.style_blocks] == ["@media"]
    fixed = [int(w) for s in page.styles for w in re.findall(r"(?<![-\w])width:\s*(\d+)px", s)]
    assert all(width <= 390 for width in fixed)
    assert any("max-width:600px" in style for style in page.styles)


def test_the_digest_read_as_a_reply_commands_nothing() -> None:
    """A client that quotes the digest without ">" marks must not turn its examples into
    approvals: no line of either part is a command on its own."""
    rendered = render_digest(content(), TemplateSettings())
    assert parse_command_text(rendered.text).commands == ()
    assert parse_command_text(html_to_text(rendered.html)).commands == ()
    quoted = "\n".join("> " + line for line in rendered.text.splitlines())
    reply = f"approve K7Q2\n\nOn Mon, Nov 16, 2026 at 8:30 AM followup <{OWNER}> wrote:\n{quoted}"
    (command,) = parse_command_text(reply).commands
    assert (command.verb, command.code) == ("approve", "K7Q2")


def test_sections_appear_only_when_they_have_something() -> None:
    drafts_only = render_digest(
        content(moved_on=(), unknown=(), problems=(), threads=()), TemplateSettings()
    )
    for heading in ("MOVED ON", "SENDS THAT NEED A LOOK", "PROBLEMS", "OPEN HIRING THREADS",
                    "THANK-YOU NOTES"):  # fmt: skip
        if heading == "THANK-YOU NOTES":
            assert heading in drafts_only.text
            continue
        assert heading not in drafts_only.text
    for heading in ("Moved on</h2>", "Sends that need a look</h2>", "Problems</h2>",
                    "Open hiring threads</h2>"):  # fmt: skip
        assert heading not in drafts_only.html
    no_thank_you = render_digest(content(entries=ENTRIES[:1]), TemplateSettings())
    assert "THANK-YOU NOTES" not in no_thank_you.text
    assert "Thank-you notes to approve" not in no_thank_you.html

    problems_only = render_digest(empty(problems=(PROBLEM,)), TemplateSettings())
    assert PROBLEM in problems_only.text
    for heading in ("CHECK-INS TO APPROVE", "HOW TO REPLY", "approve all", "MOVED ON"):
        assert heading not in problems_only.text
    assert "Nothing waits for your approval today." in problems_only.text
    assert "mailto:" not in problems_only.html


def test_has_news() -> None:
    assert not has_news(empty())
    assert not has_news(empty(threads=(NORTHWIND, HOOLI)))  # the status table alone is no news
    assert has_news(empty(entries=ENTRIES[:1]))
    assert has_news(empty(moved_on=(ACME,)))
    assert has_news(empty(unknown=(LOST,)))
    assert has_news(empty(problems=(PROBLEM,)))


def test_internal_values_stay_out() -> None:
    rendered = render_digest(content(), TemplateSettings())
    for part in (rendered.subject, rendered.text, rendered.html):
        assert HASH not in part
        assert "draft-K7Q2@followup" not in part  # the draft's own Message-ID
        assert "timeline-1@northwind" not in part  # its threading headers


def test_thread_without_facts_still_renders() -> None:
    bare = ThreadInfo(
        account="main", thread_key="x", subject="Your application", last_message_at=None,
        is_interview=True, outcome="open", facts={}, step={}, stopped_at=None, analysed_at=None,
    )  # fmt: skip
    item = queue_item("Z9Z9", thread_key="x", basis="", reason="due on 2026-11-17")
    rendered = render_digest(
        content(entries=(DigestEntry(item, bare), DigestEntry(CHECKIN, None)), threads=(bare,)),
        TemplateSettings(),
    )
    assert "[Z9Z9]" in rendered.text and "[K7Q2]" in rendered.text
    assert "Why now: Due on Tue 17 Nov." in rendered.text
    assert "Interview: not known" in rendered.text
    assert "Your application" in rendered.text  # the status table names it by its subject


# --- templates -----------------------------------------------------------------------------


def test_a_users_folder_overrides_the_digest_templates(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text(
        "Mine {{ digest_id }}:{% for e in checkins %} {{ e.code }}{% endfor %}\n",
        encoding="utf-8",
    )
    (tmp_path / "digest.html.j2").write_text("<p>{{ problems[0] }}</p>\n", encoding="utf-8")
    settings = TemplateSettings(directory=tmp_path)
    rendered = render_digest(content(problems=("<b>R&D</b> is down",)), settings)
    assert rendered.text == "Mine D7K2QX: HH3P K7Q2\n"  # by due moment, then code
    assert rendered.html == "<p>&lt;b&gt;R&amp;D&lt;/b&gt; is down</p>\n"  # still autoescaped


def test_a_partial_override_keeps_the_bundled_other_part(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text("only text\n", encoding="utf-8")
    rendered = render_digest(content(), TemplateSettings(directory=tmp_path))
    assert rendered.text == "only text\n"
    assert "Check-ins to approve" in rendered.html


def test_a_broken_override_names_its_file(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text("line one\n{% for e in %}\n", encoding="utf-8")
    with pytest.raises(TemplateProblem, match=r"digest\.txt\.j2:2"):
        render_digest(content(), TemplateSettings(directory=tmp_path))
    (tmp_path / "digest.html.j2").write_text("{{ no_such_variable }}\n", encoding="utf-8")
    (tmp_path / "digest.txt.j2").unlink()
    with pytest.raises(TemplateProblem, match=r"digest\.html\.j2.*no_such_variable"):
        render_digest(content(), TemplateSettings(directory=tmp_path))
