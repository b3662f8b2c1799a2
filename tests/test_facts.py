"""Thread facts: interview time from invites and text, thank-you, check-ins, replies, outcome."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

from tests.test_detect import BASE, OWNER, OWNERS, invite, msg, thread
from tracker.understand.facts import thread_facts, times_in_text

EST = timezone(timedelta(hours=-5))


def test_invite_reschedule_takes_latest_sequence_and_drops_cancelled() -> None:
    first = invite("Interview - Data Engineer", "dana@northwind.example", (OWNER,))
    moved = replace(first, sequence=1, start=BASE + timedelta(days=5))
    cancelled = replace(first, uid="uid-2", method="CANCEL", start=BASE + timedelta(days=9))
    facts = thread_facts(
        thread(
            msg("Invite.", subject="Your interview", calendar=(first,)),
            msg("Updated.", subject="Your interview", calendar=(moved,), day=1),
            msg("Other slot cancelled.", subject="Your interview", calendar=(cancelled,), day=2),
        ),
        OWNERS,
        "US",
    )
    assert facts.interview_at == BASE + timedelta(days=5)


def test_interview_from_text_resolved_against_message_date() -> None:
    sent = datetime(2026, 10, 26, 11, 0, tzinfo=EST)  # a Monday
    assert times_in_text("Confirming your phone screen tomorrow at 9:00 AM CT.", sent) == [
        datetime(2026, 10, 27, 9, 0, tzinfo=timezone(timedelta(hours=-5)))
    ]
    found = times_in_text("Great, see you Thursday at 10!", sent, "US")
    assert found == [datetime(2026, 10, 29, 10, 0, tzinfo=EST)]
    assert times_in_text("am Mittwoch, den 30. September um 9:30 Uhr", sent) == []  # past
    assert times_in_text("Let's talk soon, sometime next week.", sent) == []  # vague


def test_interview_from_text_in_thread_thank_you_checkins_and_reply() -> None:
    facts = thread_facts(
        thread(
            msg(
                "Your interview for the Data Engineer role is confirmed: see you Tuesday at 2pm.",
                subject="Interview",
            ),
            msg(
                "Thank you for the interview today, I enjoyed meeting the team.",
                sender=OWNER,
                day=1.5,
            ),
            msg(
                "Hi Dana, just checking in on the status of the Data Engineer role.",
                sender=OWNER,
                day=10,
            ),
            msg("Thanks Alex, we will get back to you by the end of next week.", day=11),
        ),
        OWNERS,
        "US",
    )
    assert facts.interview_at == datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    assert facts.thankyou_at == BASE + timedelta(days=1.5)
    assert facts.checkins_sent == 1
    assert facts.replied_after_thankyou is True
    assert facts.stated_timeline is not None
    assert facts.stated_timeline.due == date(2026, 11, 20)
    assert facts.outcome == "open"
    document = facts.to_json()
    assert document["interview_at"] == "2026-11-03T14:00:00+00:00"
    assert document["stated_timeline"] == {"text": facts.stated_timeline.text, "due": "2026-11-20"}


def test_no_thank_you_means_no_reply_after_it_and_outcome_is_last() -> None:
    facts = thread_facts(
        thread(
            msg(
                "Your interview for the Data Engineer role is confirmed for Tuesday at 2pm.",
                subject="Interview",
            ),
            msg("Sounds good.", sender=OWNER, day=0.1),
            msg("Unfortunately we have decided not to move forward with your application.", day=5),
        ),
        OWNERS,
        "US",
    )
    assert facts.thankyou_message_id is None
    assert facts.replied_after_thankyou is False
    assert facts.outcome == "rejected"
    assert [c.email for c in facts.contacts] == ["dana@northwind.example"]


def test_a_date_in_the_rejection_itself_promises_nothing() -> None:
    """The agency's rejection ends with other business ("let's catch up next week"): the
    promise before it stays the latest."""
    facts = thread_facts(
        thread(
            msg(
                "Your interview for the Data Engineer role is confirmed for Tuesday at 2pm.",
                subject="Interview",
            ),
            msg("Sounds good.", sender=OWNER, day=0.1),
            msg("We will get back to you by Friday.", day=2),
            msg(
                "I'm afraid they have decided to go with another candidate. I'm sorry it's not "
                "better news - I've got a couple of other roles I'd like to talk to you about, "
                "so let's catch up next week.",
                day=8,
            ),
        ),
        OWNERS,
        "US",
    )
    assert facts.outcome == "rejected"
    assert facts.stated_timeline is not None and facts.stated_timeline.text == "by Friday"


def test_a_call_arranged_with_an_offer_is_not_the_interview() -> None:
    facts = thread_facts(
        thread(
            msg(
                "Your interview for the Data Engineer role is confirmed: see you Tuesday at 2pm.",
                subject="Interview",
            ),
            msg("Thank you for the interview today, I enjoyed it.", sender=OWNER, day=1.5),
            msg(
                "Great news: we'd like to make you an offer! I'll call you on Monday at 10am "
                "to walk through the offer details.",
                day=4,
            ),
        ),
        OWNERS,
        "US",
    )
    assert facts.interview_at == datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    assert facts.outcome == "offer"


def test_a_time_at_the_start_of_a_line_takes_the_date_above_it() -> None:
    sent = datetime(2026, 11, 10, 10, 0, tzinfo=timezone(timedelta(hours=11)))
    text = "Your interview is confirmed.\n\nTuesday, 17 November 2026\n1:30 pm - 2:30 pm AEDT\n"
    assert times_in_text(text, sent, "AU")[0] == datetime(
        2026, 11, 17, 13, 30, tzinfo=timezone(timedelta(hours=11))
    )


def test_a_range_gives_its_am_pm_to_its_start() -> None:
    sent = datetime(2026, 9, 28, 10, 0, tzinfo=EST)
    found = times_in_text("When: Thursday, October 8, 1:00-3:00 PM ET", sent, "US")
    assert found[0].hour == 13


def test_a_dotted_twelve_hour_time() -> None:
    sent = datetime(2026, 10, 14, 13, 0, tzinfo=timezone(timedelta(hours=13)))
    found = times_in_text("We'd love to meet you on Wednesday 21 October at 1.30pm.", sent, "NZ")
    assert found == [datetime(2026, 10, 21, 13, 30, tzinfo=timezone(timedelta(hours=13)))]


def test_a_german_date_with_its_year_is_the_day() -> None:
    """ "Mittwoch, 04.11.2026, 13:30 Uhr": the date, not the next Wednesday."""
    sent = datetime(2026, 10, 20, 11, 0, tzinfo=timezone(timedelta(hours=2)))
    found = times_in_text("Mittwoch, 04.11.2026, 13:30 Uhr\nHamburg", sent, "DE")
    assert found == [datetime(2026, 11, 4, 13, 30, tzinfo=timezone(timedelta(hours=1)))]


def test_a_time_moved_on_the_same_day_keeps_the_day() -> None:
    """ "Serait-il possible de décaler notre entretien à 11h00, le même jour ?" """
    facts = thread_facts(
        thread(
            msg(
                "Nous avons le plaisir de vous inviter à un entretien pour le poste d'analyste "
                "le lundi 9 novembre à 10h00.",
                subject="Entretien",
            ),
            msg("Je vous confirme ma présence le lundi 9 novembre à 10h00.", sender=OWNER, day=0.1),
            msg("Serait-il possible de décaler notre entretien à 11h00, le même jour ?", day=3),
            msg("Aucun souci, 11h00 me convient.", sender=OWNER, day=3.1),
        ),
        OWNERS,
        "FR",
    )
    assert facts.interview_at is not None
    assert (facts.interview_at.date(), facts.interview_at.hour) == (date(2026, 11, 9), 11)


def test_a_second_round_agreed_by_mail_after_the_invited_interview() -> None:
    first = invite("Interview: Data Scientist", "dana@northwind.example", (OWNER,))
    second_round = msg(
        "We'd like you to come in for the second round, a technical case study.\n\n"
        "Thursday 12 November, 14:00 - 15:30",
        day=4,
    )
    facts = thread_facts(
        thread(msg("The invite is attached.", subject="Interview", calendar=(first,)),
               msg("Accepted, see you then.", sender=OWNER, day=0.1),
               second_round,
               msg("Thursday 12 November at 14:00 works well.", sender=OWNER, day=4.1)),
        OWNERS,
        "GB",
    )  # fmt: skip
    assert facts.interview_at is not None and facts.interview_at.day == 12
    # A call about feedback after the interview is no later round.
    feedback = replace(second_round, new_text="I'll call you on Thursday 12 November at 14:00.")
    facts = thread_facts(
        thread(msg("The invite is attached.", subject="Interview", calendar=(first,)),
               msg("Accepted, see you then.", sender=OWNER, day=0.1), feedback),
        OWNERS,
        "GB",
    )  # fmt: skip
    assert facts.interview_at == first.start


def test_a_promise_an_agency_passes_on_in_the_pasted_message_counts() -> None:
    """The agency pastes the client's answer below its own line: the client never wrote in
    the thread, so the pasted promise is news; a quote of the thread's own mail is not."""
    pasted = (
        "-----Original Message-----\nFrom: Fiona Marsh <fiona@kestrel.example>\n"
        "Sent: 16 October 2026 11:58\nTo: Oliver Grant <oliver@agency.example>\n"
        "Subject: RE: Eleanor - Analyst\n\nHi Oliver,\n\nWe have our last candidate on "
        "Wednesday, so I'll come back to you with a decision by the end of next week.\n\nFiona\n"
    )
    relay = replace(
        msg("Fiona came back to me this morning, see below.", sender="oliver@agency.example",
            day=2),
        quoted_text=pasted,
    )  # fmt: skip
    invitation = msg(
        "Your interview for the Analyst role is confirmed for Tuesday at 2pm.",
        sender="oliver@agency.example",
        subject="Interview",
    )
    accepted = msg("Sounds good.", sender=OWNER, day=0.1)
    facts = thread_facts(thread(invitation, accepted, relay), OWNERS, "GB")
    assert facts.stated_timeline is not None
    assert facts.stated_timeline.text == "by the end of next week"

    quoted_own = replace(relay, quoted_text=pasted.replace("fiona@kestrel.example", OWNER))
    facts = thread_facts(thread(invitation, accepted, quoted_own), OWNERS, "GB")
    assert facts.stated_timeline is None


def test_a_time_on_a_clock_the_table_of_countries_does_not_list() -> None:
    """A South African sender (+02:00, no daylight saving) on October 30, when Europe's
    +02:00 clocks have gone back: the sender's zone comes from the system's zone table."""
    sent = datetime(2026, 10, 23, 9, 14, tzinfo=timezone(timedelta(hours=2)))
    text = "Date: Friday, 30 October 2026\nTime: 10:00 - 11:00"
    assert times_in_text(text, sent, "ZA")[0] == datetime(
        2026, 10, 30, 10, 0, tzinfo=timezone(timedelta(hours=2))
    )
    named = "Friday, 30 October 2026 at 10:00 SAST"
    assert times_in_text(named, sent, None) == [
        datetime(2026, 10, 30, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    ]
