"""One hiring process across several mail threads (tracker/understand/processes.py)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import BASE, OWNER, message
from tracker.understand.facts import thread_facts
from tracker.understand.parse import Address, CalendarEvent, Message
from tracker.understand.processes import (
    PROCESS_WINDOW,
    Candidate,
    candidate_groups,
    find_processes,
    name_key,
    organisation,
    owner_domains,
    registrable_domain,
    related_candidates,
    role_words,
    speaks_of_hiring,
    understood_threads,
)
from tracker.understand.threads import Thread

OWNERS = frozenset({OWNER})
DOMAINS = owner_domains(OWNERS)


def said(msg: Message, text: str) -> Message:
    return dataclasses.replace(msg, new_text=text, text=text)


def invitation(prefix: str, recruiter: str, day: float = 0) -> Thread:
    """The recruiter invites the owner to an interview and the owner accepts: a hiring
    thread on its own."""
    return Thread(
        f"t-{prefix}-invite",
        (
            said(
                message(f"<{prefix}1@x>", subject="Interview - Data Engineer",
                        sender=recruiter, day=day),
                "We would like to invite you to an interview for the Data Engineer role. "
                "Would Tuesday at 2pm work for you?",
            ),
            said(
                message(f"<{prefix}2@x>", subject="Re: Interview - Data Engineer",
                        sender=OWNER, to=(recruiter,), day=day + 0.2),
                "Tuesday at 2pm works well, see you then.",
            ),
        ),
    )  # fmt: skip


def thanks(prefix: str, people: tuple[str, ...], day: float = 8) -> Thread:
    """The owner thanks the panel under a new subject; one of them answers with a date."""
    return Thread(
        f"t-{prefix}-thanks",
        (
            said(
                message(f"<{prefix}3@x>", subject="Thank you", sender=OWNER, to=people, day=day),
                "Thank you for taking the time to meet with me today. I enjoyed our "
                "conversation about the team.",
            ),
            said(
                message(f"<{prefix}4@x>", subject="Re: Thank you", sender=people[0],
                        day=day + 1),
                "Thanks Alex, it was great to meet you. We will get back to you by Friday.",
            ),
        ),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("dana@northwind.example", "northwind.example"),
        ("Dana@EU.Mail.Northwind.example", "northwind.example"),
        ("jo@acme.co.uk", "acme.co.uk"),
        ("jo@empresa.com.mx", "empresa.com.mx"),
        ("no-reply@acme.com", "acme.com"),  # a company's own no-reply speaks for it
        ("careers@acme.com", "acme.com"),
        ("bob@gmail.com", "bob@gmail.com"),  # public mail: only that person
        ("bob@yahoo.co.uk", "bob@yahoo.co.uk"),
        ("friend@example.com", "friend@example.com"),  # the owner's own domain
        ("calendar-notification@google.com", None),
        ("no-reply@us.greenhouse-mail.io", None),  # shared by many companies
        ("jane@hire.lever.co", None),
        ("jobs@acme.teamtailor-mail.com", None),
        ("x@acme.jobs.personio.de", None),
        ("not-an-address", None),
    ],
)
def test_organisation(address: str, expected: str | None) -> None:
    assert organisation(address, DOMAINS) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Northwind Labs Recruiting", "?northwindlabs"),
        ("Northwind Labs GmbH", "?northwindlabs"),
        ("Northwind Labs via Greenhouse", "?northwindlabs"),
        ("Kranich Mobility Karriere", "?kranichmobility"),
        ("Recruiting Team", None),
        ("Talent Acquisition", None),
        ("Greenhouse", None),
        ("No Reply", None),
        ("Acm", None),  # too short to name anyone
    ],
)
def test_name_key(name: str, expected: str | None) -> None:
    assert name_key(name) == expected


@pytest.mark.parametrize(
    ("subject", "text", "expected"),
    [
        ("Zwischenstand zu Ihrer Bewerbung", "Wir melden uns Anfang Dezember.", True),
        ("Update - Senior Product Designer", "We are wrapping up references.", True),
        ("Your news", "We are thrilled to offer you the position!", True),
        ("Actualización de tu proceso – Pampa Fintech", "Carolina quiere una última charla.", True),
        ("Lunch?", "Are you free on Friday?", False),
    ],
)
def test_speaks_of_hiring(subject: str, text: str, expected: bool) -> None:
    mail = said(message("<s@x>", subject=subject, sender="ana@northwind.example"), text)
    assert speaks_of_hiring(Thread("t", (mail,)), OWNERS) is expected


def test_registrable_domain() -> None:
    assert registrable_domain("eu.mail.northwindlabs.com") == "northwindlabs.com"
    assert registrable_domain("harrow.co.uk") == "harrow.co.uk"
    assert registrable_domain("harrow.co.example") == "harrow.co.example"  # the test domain


def test_role_words_leave_out_seniority_and_interview_words() -> None:
    def subject(text: str) -> Thread:
        return Thread("t", (message("<r@x>", subject=text),))

    assert role_words(subject("Einladung: Vorstellungsgespräch Senior Data Analyst (m/w/d)")) == {
        "data", "analyst"
    }  # fmt: skip
    assert role_words(subject("Risk Analyst (Req 2026-1187)")) == {"risk", "analyst"}
    assert role_words(subject("Product Analyst role at Tidewater - quick intro")) == {
        "product", "analyst"
    }  # fmt: skip
    assert role_words(subject("Einladung: Erstgespräch Senior Data Scientist")) == {
        "data", "scientist"
    }  # fmt: skip
    assert role_words(subject("Hello")) == frozenset()


def test_invitation_and_thank_you_threads_are_one_process() -> None:
    invite = invitation("a", "dana@northwind.example")
    thank = thanks("a", ("lee@northwind.example", "kim@northwind.example"))
    other = invitation("b", "sam@elsewhere.example", day=3)
    processes = find_processes([invite, other, thank], OWNERS)
    assert len(processes) == 1
    process = processes[0]
    assert process.thread_ids == (invite.thread_id, thank.thread_id)
    assert process.tracked is thank  # the latest human exchange is there
    combined = process.combined
    assert combined.thread_id == thank.thread_id
    assert combined.message_ids == ("<a1@x>", "<a2@x>", "<a3@x>", "<a4@x>")

    understood = understood_threads([invite, other, thank], OWNERS)
    assert [t.thread_id for t in understood] == [thank.thread_id, other.thread_id]
    facts = thread_facts(understood[0], OWNERS, "US")
    assert facts.is_interview
    assert facts.thankyou_message_id == "<a3@x>"
    assert facts.interview_at is not None and facts.interview_at.hour == 14
    assert facts.replied_after_thankyou
    assert facts.stated_timeline is not None and facts.stated_timeline.due is not None


def test_neither_thread_alone_but_both_together_are_an_interview() -> None:
    """The owner answered the invitation by phone (no reply in its thread) and wrote the
    thank-you as a new message: each thread alone says too little, together they say it."""
    offer = Thread("t-a-invite", invitation("a", "dana@northwind.example").messages[:1])
    thank = thanks("a", ("dana@northwind.example",))
    assert not thread_facts(offer, OWNERS, "US").is_interview
    assert not thread_facts(thank, OWNERS, "US").is_interview
    processes = find_processes([offer, thank], OWNERS)
    assert [p.thread_ids for p in processes] == [(offer.thread_id, thank.thread_id)]
    assert thread_facts(processes[0].combined, OWNERS, "US").is_interview


def test_a_vetoed_thread_keeps_its_process_apart() -> None:
    """A newsletter from the company (bulk mail: vetoed) that names the interview does not
    join the owner's process, though it speaks of hiring and shares the organisation."""
    invite = invitation("a", "dana@northwind.example")
    thank = thanks("a", ("dana@northwind.example",))
    bulk = Thread(
        "t-bulk",
        (
            said(
                message("<b1@x>", subject="Interview tips from Northwind",
                        sender="dana@northwind.example", day=4),
                "Five interview tips for your next job. Unsubscribe at any time.",
            ),
        ),
    )  # fmt: skip
    assert find_processes([invite, bulk], OWNERS) == []
    processes = find_processes([invite, thank, bulk], OWNERS)
    assert [p.thread_ids for p in processes] == [(invite.thread_id, thank.thread_id)]


def test_a_hiring_system_invitation_joins_the_thank_you_to_the_company() -> None:
    """Greenhouse sent the invitation (no Reply-To: no address of the company in it); the
    owner thanked the interviewer at the company's domain, who answered. Alone, the
    invitation thread would be tracked with no thank-you and no answer."""
    ats = Thread(
        "t-ats",
        (
            dataclasses.replace(
                said(
                    message("<g1@x>", sender="no-reply@us.greenhouse-mail.io",
                            subject="Interview invitation: Data Engineer at Northwind Labs"),
                    "Your interview for the Data Engineer role is confirmed for Tuesday at 2pm.",
                ),
                sender=Address("Northwind Labs Recruiting", "no-reply@us.greenhouse-mail.io"),
            ),
        ),
    )  # fmt: skip
    thank = thanks("a", ("kim@northwindlabs.com",))
    alone = thread_facts(ats, OWNERS, "US")
    assert alone.is_interview and alone.thankyou_message_id is None
    [process] = find_processes([ats, thank], OWNERS)
    assert process.thread_ids == (ats.thread_id, thank.thread_id)
    facts = thread_facts(process.combined, OWNERS, "US")
    assert facts.thankyou_message_id == "<a3@x>" and facts.replied_after_thankyou

    other = thanks("b", ("kim@southwindlabs.com",))  # another company's people
    assert find_processes([ats, other], OWNERS) == []


def _thread(key: str, *parts: tuple[str, str, str, float, str]) -> Thread:
    """A thread of (message id, sender, subject, day, text); the owner writes to `to`."""
    messages = []
    for message_id, sender, subject, day, text in parts:
        to = ("dana@kestrelsearch.example",) if sender == OWNER else (OWNER,)
        messages.append(
            said(message(message_id, subject=subject, sender=sender, to=to, day=day), text)
        )
    return Thread(key, tuple(messages))


def test_an_agency_thread_joins_the_thank_you_to_its_client() -> None:
    """The agency arranged the interview under a subject naming the client; the owner thanked
    the client's people directly, and they answered: one process."""
    agency = _thread(
        "t-agency",
        ("<k1@x>", "dana@kestrelsearch.example", "Albion Water - interview confirmation", 0,
         "Albion Water would like to meet you on Tuesday at 2pm for the Asset Data Manager "
         "interview."),
        ("<k2@x>", OWNER, "Re: Albion Water - interview confirmation", 0.2,
         "Tuesday at 2pm works, thank you."),
    )  # fmt: skip
    client = _thread(
        "t-client",
        ("<k3@x>", OWNER, "Thank you", 8,
         "Thank you for taking the time to meet with me today. I enjoyed our conversation."),
        ("<k4@x>", "jo@albionwater.example", "Re: Thank you", 9,
         "Thanks, it was good to meet you. We will decide by Friday."),
    )  # fmt: skip
    [process] = find_processes([agency, client], OWNERS)
    assert process.thread_ids == ("t-agency", "t-client")


def test_a_subject_mentions_only_a_company_whose_domain_spells_it() -> None:
    """Two journalists' "Interview request: ..." mail: the same first words name no company,
    so the two stay apart; a company spelled out beside its domain ("Halberd Security" for
    halberdsec.example) joins mail that only mentions it."""
    first = _thread(
        "t-press-1",
        ("<p1@x>", "kim@ledger.example", "Interview request: warehouse robots", 0,
         "Could I interview you for our piece on warehouse robots?"),
    )  # fmt: skip
    second = _thread(
        "t-press-2",
        ("<p2@x>", "lou@courier.example", "Interview request: streaming costs", 3,
         "Could I interview you about streaming costs?"),
    )  # fmt: skip
    assert find_processes([first, second], OWNERS) == []

    company = _thread(
        "t-halberd",
        ("<h1@x>", "ana@halberdsec.example", "Halberd Security - Security Engineer", 0,
         "We would like to invite you to an interview on Tuesday at 2pm."),
        ("<h2@x>", OWNER, "Re: Halberd Security - Security Engineer", 0.2,
         "Tuesday at 2pm works well."),
    )  # fmt: skip
    decision = _thread(
        "t-decision",
        ("<h3@x>", "no-reply@hire.lever.co", "Your application to Halberd Security", 12,
         "Thank you for interviewing with us. Unfortunately we have decided to move forward "
         "with other candidates."),
    )  # fmt: skip
    [process] = find_processes([company, decision], OWNERS)
    assert thread_facts(process.combined, OWNERS, "US").outcome == "rejected"


def test_two_roles_at_one_company_are_two_processes() -> None:
    """Two applications at one company in the same weeks: each thread names its role."""
    first = invitation("a", "dana@northwind.example")
    thank = thanks("b", ("lee@northwind.example",))

    def titled(subject: str) -> Thread:
        opening = dataclasses.replace(thank.messages[0], subject=subject)
        return Thread(thank.thread_id, (opening, *thank.messages[1:]))

    second = titled("Thank you - Product Designer")
    assert find_processes([first, second], OWNERS) == []
    assert len(find_processes([first, titled("Thank you - Senior Data Engineer")], OWNERS)) == 1


def test_the_thank_you_thread_alone_is_not_a_process() -> None:
    thank = thanks("a", ("lee@northwind.example",))
    assert not thread_facts(thank, OWNERS, "US").is_interview  # why linking matters
    assert find_processes([thank], OWNERS) == []


@pytest.mark.parametrize(
    ("people", "day"),
    [
        (("lee@southwind.example",), 8),  # another company
        (("lee@northwind.example",), 8 + PROCESS_WINDOW.days + 1),  # too long after
        (("dana2@gmail.com",), 8),  # someone else at a public mail service
    ],
)
def test_threads_stay_apart(people: tuple[str, ...], day: float) -> None:
    invite = invitation("a", "dana@northwind.example")
    if people[0].endswith("gmail.com"):
        invite = invitation("a", "dana@gmail.com")
    assert find_processes([invite, thanks("a", people, day=day)], OWNERS) == []


def test_the_same_person_at_a_public_mail_service_links() -> None:
    invite = invitation("a", "dana@gmail.com")
    assert len(find_processes([invite, thanks("a", ("dana@gmail.com",))], OWNERS)) == 1


def test_a_shared_hiring_system_links_nothing() -> None:
    """Two companies' invitations sent by the same applicant-tracking address."""
    first = invitation("a", "no-reply@us.greenhouse-mail.io")
    second = invitation("b", "no-reply@us.greenhouse-mail.io", day=2)
    assert find_processes([first, second], OWNERS) == []


def test_mail_that_does_not_speak_of_hiring_is_not_absorbed() -> None:
    invite = invitation("a", "dana@northwind.example")
    newsletter = Thread(
        "t-news",
        (
            said(
                message("<n1@x>", subject="Northwind quarterly update",
                        sender="news@northwind.example", day=5),
                "Our new warehouse in Leeds opened this month.",
            ),
        ),
    )  # fmt: skip
    assert find_processes([invite, newsletter], OWNERS) == []


def test_the_owner_as_interviewer_is_not_made_a_candidate() -> None:
    """The hiring system tells the owner (an interviewer) about a candidate, who thanks the
    owner in a thread of their own: the two are one story, and no hiring process of the
    owner's (the briefing's veto speaks for both)."""
    briefing = Thread(
        "t-brief",
        (
            said(
                message("<i1@x>", subject="Interview scheduled: Sam Whitford for Data Engineer",
                        sender="coordinator@fernhill.example"),
                "You are on the interview panel for Sam Whitford on Thursday at 2pm. "
                "Your interview kit and scorecard are attached.",
            ),
        ),
    )  # fmt: skip
    candidate = Thread(
        "t-cand",
        (
            said(
                message("<i2@x>", subject="Thank you - Data Engineer interview",
                        sender="sam@fernhill.example", day=3),
                "Thank you for interviewing me today.",
            ),
            said(
                message("<i3@x>", subject="Re: Thank you - Data Engineer interview",
                        sender=OWNER, to=("sam@fernhill.example",), day=3.5),
                "Thank you for your time, Sam, it was a pleasure to meet you.",
            ),
        ),
    )  # fmt: skip
    [story] = find_processes([briefing, candidate], OWNERS)
    assert not story.hiring and story.thread_ids == ("t-brief", "t-cand")
    [together] = understood_threads([briefing, candidate], OWNERS)
    assert not thread_facts(together, OWNERS, "US").is_interview


def test_a_vetoed_thread_speaks_for_the_booking_beside_it() -> None:
    """A podcast host's thread, and the scheduling tool's booking with an invite: alone, the
    booking is an interview invite with the owner as attendee; read with the host's thread
    it is the podcast's."""
    host = Thread(
        "t-host",
        (
            said(
                message("<h1@x>", subject="Guest on the DevTrail podcast?",
                        sender="brooke@devtrail.example"),
                "Could I interview you as a guest on our podcast? We record episodes on Riverside.",
            ),
            said(
                message("<h2@x>", subject="Re: Guest on the DevTrail podcast?", sender=OWNER,
                        to=("brooke@devtrail.example",), day=1),
                "I'd love to, booking a slot now.",
            ),
        ),
    )  # fmt: skip
    event = CalendarEvent(
        method="REQUEST", uid="cal-1", sequence=0, status="CONFIRMED",
        summary="DevTrail interview: Alex Morgan", description="", location="",
        start=BASE + timedelta(days=9), end=BASE + timedelta(days=9, hours=1),
        organizer=Address("Brooke Lang", "brooke@devtrail.example"),
        attendees=(Address("", OWNER),),
    )  # fmt: skip
    booking = Thread(
        "t-booking",
        (
            dataclasses.replace(
                said(
                    message("<b1@x>", subject="New event: DevTrail interview",
                            sender="notifications@calendly.com", day=2),
                    "Your event has been scheduled.",
                ),
                calendar=(event,),
            ),
        ),
    )  # fmt: skip
    assert thread_facts(booking, OWNERS, "US").is_interview  # alone, it looks like one
    [story] = find_processes([host, booking], OWNERS)
    assert not story.hiring
    understood = understood_threads([host, booking], OWNERS)
    assert not any(thread_facts(t, OWNERS, "US").is_interview for t in understood)


_COMPANIES = ("northwind.example", "southwind.example", "gmail.com")


@st.composite
def _mailboxes(draw: st.DrawFn) -> list[Thread]:
    threads: list[Thread] = []
    for index in range(draw(st.integers(1, 6))):
        domain = draw(st.sampled_from(_COMPANIES))
        person = f"p{draw(st.integers(0, 2))}@{domain}"
        day = draw(st.integers(0, 120))
        if draw(st.booleans()):
            threads.append(invitation(f"x{index}", person, day=day))
        else:
            threads.append(thanks(f"x{index}", (person,), day=day))
    return threads


@settings(max_examples=60, deadline=None)
@given(_mailboxes(), st.randoms(use_true_random=False))
def test_processes_do_not_depend_on_order(threads: list[Thread], random: object) -> None:
    shuffled = list(threads)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    first = {p.thread_ids for p in find_processes(threads, OWNERS)}
    assert {p.thread_ids for p in find_processes(shuffled, OWNERS)} == first
    seen = [tid for ids in first for tid in ids]
    assert len(seen) == len(set(seen))  # a thread belongs to one process at most
    understood = understood_threads(threads, OWNERS)
    ids = [m for t in understood for m in t.message_ids]
    assert sorted(ids) == sorted(m for t in threads for m in t.message_ids)  # nothing lost
    for process in find_processes(threads, OWNERS):
        assert len(process.threads) >= 2
        assert process.tracked in process.threads
        assert thread_facts(process.combined, OWNERS, "US").is_interview


def test_a_crowd_of_threads_of_one_organisation_is_no_process() -> None:
    """More threads of one organisation than one process has (a job board's alerts, a long
    correspondence): none is read with the others, and the cost stays linear."""
    crowd = [invitation(f"c{i}", "dana@northwind.example", day=i) for i in range(13)]
    assert find_processes(crowd, OWNERS) == []
    few = [invitation("a", "dana@northwind.example"), thanks("a", ("dana@northwind.example",))]
    assert len(find_processes(few, OWNERS)) == 1


_CANDIDATES = st.lists(
    st.builds(
        lambda start, length, orgs: (start, length, orgs),
        st.integers(0, 200),  # days after BASE
        st.integers(0, 30),
        st.frozensets(st.sampled_from(["~acme", "?acme", "~beta", "?gamma", "~delta"]), max_size=2),
    ),
    max_size=16,
)


@settings(max_examples=300, deadline=None)
@given(found=_CANDIDATES, chosen=st.sets(st.integers(0, 15), max_size=4))
def test_related_candidates_hold_every_group_of_the_threads_asked_about(
    found: list[tuple[int, int, frozenset[str]]], chosen: set[int]
) -> None:
    # A pass reading a few threads groups only the candidates linked to them by shared
    # organisations; the groups holding those threads must be the groups of the whole mailbox.
    candidates = [
        Candidate(f"t{i:02}", BASE + timedelta(days=start), BASE + timedelta(days=start + length),
                  orgs)
        for i, (start, length, orgs) in enumerate(found)
    ]  # fmt: skip
    keys = {f"t{i:02}" for i in chosen}
    related = related_candidates(candidates, keys)
    assert {c.thread_id for c in related} >= keys & {c.thread_id for c in candidates}
    whole = [g for g in candidate_groups(candidates) if keys.intersection(g)]
    assert [g for g in candidate_groups(related) if keys.intersection(g)] == whole


def test_related_candidates_leave_out_other_organisations() -> None:
    day = timedelta(days=1)
    acme = [Candidate(f"a{i}", BASE + i * day, BASE + i * day, frozenset({"~acme"}))
            for i in range(3)]  # fmt: skip
    mention = Candidate("m", BASE, BASE, frozenset({"?acme", "~beta"}))
    beta = Candidate("b", BASE, BASE, frozenset({"~beta"}))
    other = Candidate("o", BASE, BASE, frozenset({"~gamma"}))
    related = related_candidates([*acme, mention, beta, other], {"a0"})
    # Through "acme" (the mention shares its bucket), then through the mention's "beta".
    assert [c.thread_id for c in related] == ["a0", "a1", "a2", "m", "b"]
