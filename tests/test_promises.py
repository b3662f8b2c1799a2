"""The promises of DESIGN.md under arbitrary interleavings (a hypothesis state machine).

The real store (a SQLite file), the real analysis pass, policy, queue and send path run against
a simulated mailbox: an `Outbox` whose resync stores the mailbox's messages the way sync does,
whose SMTP hand-over may succeed, refuse, lose the connection or "crash" the process, and
whose Sent folder keeps what was sent. (The real IMAP and SMTP paths are tested against Dovecot
and aiosmtpd in test_sending.py; this test is about the decisions.)

Rules: the other side replies (a plain answer, a new timeline, a question, a rejection), the
owner writes a check-in by hand, approves, skips, edits, stops the thread, the clock jumps, a
send pass runs, the process crashes mid-send and restarts. After every step:

1. never more than `max_checkins` check-ins in a row without an answer, hand-written included;
2. never a send of a draft the other side answered since it was drafted;
3. never a send after an outcome or a stop;
4. never a send without an approval of that exact text, and never the same draft twice.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import hypothesis.strategies as st
from hypothesis import HealthCheck, event, settings
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from tracker import queue
from tracker.analysis import analyse_account
from tracker.config import Settings
from tracker.errors import SendRefused, SendUncertain
from tracker.ingest import parse_batch
from tracker.mail.partial import FetchedMessage
from tracker.sending import send_due
from tracker.store import FolderState, Store, open_store
from tracker.sync import thread_pass
from tracker.understand.parse import parse_message

SAMPLE = Path(__file__).resolve().parents[1] / "tracker" / "samples" / "mailbox"
CET = timezone(timedelta(hours=1))
OWNER = "alex@example.com"
DANA = "dana.whitfield@northwindlabs.com"
SUBJECT = "Re: Interview: Senior Data Engineer at Northwind Labs"


@dataclass(frozen=True)
class Happening:
    """One line of the story the invariants read: an answer (with the drafts that existed
    then), a hand-written check-in, a rejection, a stop, or a send."""

    what: str  # answer | hand | rejection | stop | sent
    codes: tuple[str, ...] = ()
    code: str = ""
    kind: str = ""
    text: str = ""


class Crash(BaseException):
    """The process dies (not an Exception: nothing in the send path may catch it)."""


@dataclass
class Mail:
    raw: bytes
    message_id: str
    date: datetime
    direction: str  # incoming | outgoing
    kind: str  # reply | rejection | question | checkin | sent-draft | sample


@dataclass
class World:
    """The simulated mailbox and SMTP server."""

    mail: list[Mail] = field(default_factory=list)
    stored: int = 0  # how many of `mail` the store has seen
    delivered: list[tuple[bytes, datetime]] = field(default_factory=list)
    fault: str | None = None  # refuse4 | refuse5 | uncertain | crash_before | crash_after
    now: datetime = datetime(2026, 11, 5, 17, 0, tzinfo=CET)  # the simulated clock


class SimulatedOutbox:
    keeps_sent_copies = False

    def __init__(self, world: World, store: Store, owners: tuple[str, ...]) -> None:
        self.world, self.store, self.owners = world, store, owners

    def resync(self, now: datetime) -> None:
        del now
        sync_world(self.world, self.store, self.owners)

    def holds(self, message_id: str) -> bool:
        return any(m.message_id == message_id for m in self.world.mail)

    def keep_copy(self, raw: bytes, when: datetime) -> None:
        parsed = parse_message(raw, self.owners)
        self.world.mail.append(Mail(raw, parsed.message_id, when, "outgoing", "sent-draft"))

    def hand_over(self, raw: bytes, sender: str, recipients: list[str]) -> str:
        fault, self.world.fault = self.world.fault, None
        if fault == "crash_before":
            raise Crash
        if fault == "refuse4":
            raise SendRefused("451 try later", permanent=False)
        if fault == "refuse5":
            raise SendRefused("550 no such user", permanent=True)
        self.world.delivered.append((raw, self.world.now))
        if fault == "crash_after":
            raise Crash
        if fault == "uncertain":
            raise SendUncertain("connection lost during DATA")
        return "250 OK"


def sync_world(world: World, store: Store, owners: tuple[str, ...]) -> None:
    fresh = world.mail[world.stored :]
    if not fresh:
        return
    fetched = [
        FetchedMessage(uid=world.stored + i + 1, raw=m.raw, size=len(m.raw), flags=(),
                       internaldate=m.date)
        for i, m in enumerate(fresh)
    ]  # fmt: skip
    state = FolderState(name="INBOX", role="inbox", uidvalidity=1, uidnext=len(world.mail) + 1)
    store.save_folder_batch("main", state, parse_batch(owners, fetched))
    world.stored = len(world.mail)


def message(
    sender: str, to: str, date: datetime, number: int, body: str, parent: str | None
) -> bytes:
    """A message of the thread, answering `parent`; with no parent, one starting a new mail
    thread under a subject of its own (as people do when they write again days later)."""
    threading = (
        f"Subject: {SUBJECT}\r\nIn-Reply-To: {parent}\r\n"
        f"References: <nw-invite-1@northwindlabs.com> {parent}\r\n"
        if parent is not None
        else f"Subject: {NEW_SUBJECT}\r\n"
    )
    return (
        f"From: {sender}\r\nTo: {to}\r\n{threading}"
        f"Date: {date.strftime('%a, %d %b %Y %H:%M:%S %z')}\r\n"
        f"Message-ID: <sim-{number}@{sender.split('@')[1].rstrip('>')}>\r\n"
        f"\r\n{body}\r\n"
    ).encode()


NEW_SUBJECT = "Your application at Northwind Labs"


REPLIES = {
    "reply": "Hi Alex,\r\n\r\nThanks for your patience. We are still talking to candidates.\r\n\r\n"
    "Best,\r\nDana",
    "timeline": "Hi Alex,\r\n\r\nWe will make our decision by the end of next week.\r\n\r\n"
    "Best,\r\nDana",
    "question": "Hi Alex,\r\n\r\nCould you send me two references before Friday?\r\n\r\n"
    "Best,\r\nDana",
    "rejection": "Hi Alex,\r\n\r\nThank you for your time. Unfortunately we have decided to "
    "move forward with other candidates for this role.\r\n\r\nBest,\r\nDana",
}
# What Dana writes when she starts a new mail thread instead of answering the old one: it is
# the same hiring process, and an answer all the same.
ANEW = {
    "reply": "Hi Alex,\r\n\r\nA quick update on your application: we are still interviewing "
    "and I will be in touch.\r\n\r\nBest,\r\nDana",
    "rejection": "Hi Alex,\r\n\r\nThank you for interviewing with us. Unfortunately we have "
    "decided to move forward with other candidates for this role.\r\n\r\nBest,\r\nDana",
}
CHECKIN = (
    "Hi Dana,\r\n\r\nI hope you are well. I wanted to follow up on the status of my application "
    "for the Senior Data Engineer role. Is there any update on next steps?\r\n\r\nBest,\r\nAlex"
)


class Promises(RuleBasedStateMachine):
    SAMPLES = "0[1-4]*.eml"  # the Northwind thread up to Dana's promise

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="followup-promises-"))
        self.url = f"sqlite:///{self.folder / 'state.db'}"
        self.settings = Settings.model_validate(
            {
                "accounts": [{
                    "name": "main", "address": OWNER, "password_env": "UNUSED",
                    "imap": {"host": "127.0.0.1", "security": "none"},
                    "smtp": {"host": "127.0.0.1", "security": "none"},
                }],
                "timezone": "Europe/Berlin",
                "database": self.url,
                "policy": {"holidays": "DE"},
            }
        )  # fmt: skip
        self.account = self.settings.accounts[0]
        self.store = open_store(self.url, clock=lambda: self.now)
        self.store.upsert_account("main", "imap", OWNER)
        self.world = World()
        self.now = datetime(2026, 11, 5, 17, 0, tzinfo=CET)
        for path in sorted(SAMPLE.glob(self.SAMPLES)):
            raw = path.read_bytes()
            parsed = parse_message(raw, (OWNER,))
            assert parsed.date is not None
            self.world.mail.append(
                Mail(raw, parsed.message_id, parsed.date, parsed.direction, "sample")
            )
        self.counter = 0
        self.approvals: set[tuple[str, str]] = set()  # (code, body hash) the owner approved
        self.story: list[Happening] = []  # what happened, in order
        self.seen_deliveries = 0
        self.pass_now()

    # --- the world moves ---------------------------------------------------------------------

    def _add(self, direction: str, kind: str, body: str, *, anew: bool = False) -> None:
        self.counter += 1
        last = None if anew else self.world.mail[-1].message_id
        if direction == "incoming":
            raw = message(f"Dana Whitfield <{DANA}>", OWNER, self.now, self.counter, body, last)
        else:
            raw = message(f"Alex Morgan <{OWNER}>", DANA, self.now, self.counter, body, last)
        parsed = parse_message(raw, (OWNER,))
        self.world.mail.append(Mail(raw, parsed.message_id, self.now, direction, kind))

    # Weighted: the endings (a question, a rejection) are rarer than answers, or most runs
    # would end before anything is due.
    @rule(kind=st.sampled_from(["reply"] * 4 + ["timeline"] * 4 + ["question", "rejection"]))
    def they_reply(self, kind: str) -> None:
        self._record_deliveries()
        self._add("incoming", kind, REPLIES[kind])
        self.story.append(
            Happening("answer", codes=tuple(i.code for i in self.store.queue_items()))
        )
        if kind == "rejection":
            self.story.append(Happening("rejection"))

    @rule(kind=st.sampled_from(["reply"] * 3 + ["rejection"]), roll=st.integers(0, 2))
    def they_write_anew(self, kind: str, roll: int) -> None:
        """Dana answers in a new mail thread of her own (one roll in three)."""
        if roll:
            return
        self._record_deliveries()
        self._add("incoming", kind, ANEW[kind], anew=True)
        self.story.append(
            Happening("answer", codes=tuple(i.code for i in self.store.queue_items()))
        )
        if kind == "rejection":
            self.story.append(Happening("rejection"))

    @rule(roll=st.integers(min_value=0, max_value=2))
    def owner_checks_in_by_hand(self, roll: int) -> None:
        if roll:
            return  # one roll in three: the owner's own check-ins are rarer than followup's
        self._record_deliveries()
        self._add("outgoing", "checkin", CHECKIN)
        self.story.append(Happening("hand"))

    @rule(days=st.integers(min_value=0, max_value=9), hour=st.sampled_from([9, 10, 14, 20]))
    def time_passes(self, days: int, hour: int) -> None:
        """The clock jumps to a later hour (often one inside the send window)."""
        later = (self.now + timedelta(days=days)).replace(hour=hour, minute=45)
        self.now = max(later, self.now + timedelta(hours=1))

    @rule(days=st.integers(min_value=1, max_value=9))
    def days_pass(self, days: int) -> None:
        """The same, keeping the hour: two rules so the clock moves in most runs."""
        self.now += timedelta(days=days)

    @rule()
    def approve_everything_waiting(self) -> None:
        for item in self.store.queue_items(states=("proposed", "queued", "snoozed")):
            approved = queue.approve(self.store, item.code, self.now)
            self.approvals.add((approved.code, approved.body_hash))

    @rule(roll=st.integers(min_value=0, max_value=2))
    def skip_one(self, roll: int) -> None:
        waiting = self.store.queue_items(states=queue.PENDING)
        if waiting and not roll:
            queue.skip(self.store, waiting[0].code)

    @rule(roll=st.integers(min_value=0, max_value=2))
    def edit_one(self, roll: int) -> None:
        waiting = self.store.queue_items(states=queue.PENDING)
        if waiting and not roll:
            queue.edit(self.store, waiting[0].code, waiting[0].body + "\nP.S. edited", self.now)

    @rule(roll=st.integers(min_value=0, max_value=9))
    def stop_the_thread(self, roll: int) -> None:
        if roll:
            return  # a stop in one roll out of ten
        self._record_deliveries()
        for key in self.store.thread_keys("main"):
            queue.stop(self.store, "main", key)
        self.story.append(Happening("stop"))

    @rule(fault=st.sampled_from([None, None, None, None, None, "refuse4", "refuse5",
                                 "uncertain", "crash_before", "crash_after"]))  # fmt: skip
    def send_pass(self, fault: str | None) -> None:
        self.world.fault = fault
        self.world.now = self.now
        try:
            self.pass_now()
            send_due(self.settings, self.store,
                     lambda _a: SimulatedOutbox(self.world, self.store, (OWNER,)),
                     now=self.now, environ={})  # fmt: skip
        except Crash:
            self.restart()

    @rule(days=st.integers(min_value=1, max_value=8))
    def a_day_with_the_digest(self, days: int) -> None:
        """What a daemon's day looks like: days later at 10:45, a pass drafts what is due, the
        owner approves what the digest offers, and the send pass runs."""
        self.now = (self.now + timedelta(days=days)).replace(hour=10, minute=45)
        self.send_pass(None)
        self.approve_everything_waiting()
        self.send_pass(None)

    @rule()
    def restart(self) -> None:
        self.store.close()
        self.store = open_store(self.url, clock=lambda: self.now)

    def pass_now(self) -> None:
        sync_world(self.world, self.store, (OWNER,))
        thread_pass(self.store, self.account)
        analyse_account(self.settings, self.store, self.account, now=self.now)

    # --- the promises ------------------------------------------------------------------------

    def _record_deliveries(self) -> None:
        """Append what reached the other side since the last look to the story, in order."""
        items = {i.message_id: i for i in self.store.queue_items() if i.message_id}
        for raw, _when in self.world.delivered[self.seen_deliveries :]:
            parsed = parse_message(raw, (OWNER,))
            item = items.get(parsed.message_id)
            assert item is not None, "a message went out that no draft explains"
            text = parsed.text.replace("\r\n", "\n")
            self.story.append(Happening("sent", code=item.code, kind=item.kind, text=text))
        self.seen_deliveries = len(self.world.delivered)

    @invariant()
    def the_promises_hold(self) -> None:
        self._record_deliveries()
        items = {i.code: i for i in self.store.queue_items()}
        cap = self.settings.policy.max_checkins
        in_a_row = 0
        existing_at_answer: set[str] = set()
        closed = False
        sent_codes: list[str] = []
        for happening in self.story:
            what = happening.what
            if what == "answer":
                in_a_row = 0
                existing_at_answer |= set(happening.codes)
            elif what == "hand":
                in_a_row += 1
            elif what in {"rejection", "stop"}:
                closed = True
            elif what == "sent":
                code, kind, body = happening.code, happening.kind, happening.text
                item = items[code]
                # 4: approved, that exact text, once.
                assert (code, item.body_hash) in self.approvals, f"{code} went out unapproved"
                assert body.strip() == item.body.strip(), f"{code} went out with other words"
                assert code not in sent_codes, f"{code} went out twice"
                sent_codes.append(code)
                # 3: never after an outcome or a stop.
                assert not closed, f"{code} went out after a rejection or a stop"
                # 2: never a draft they answered since it was drafted.
                assert code not in existing_at_answer, f"{code} went out although they answered"
                # 1: never past the cap of check-ins in a row without an answer.
                if kind == "checkin":
                    assert in_a_row < cap, f"{code} was check-in {in_a_row + 1} in a row"
                    in_a_row += 1

    def teardown(self) -> None:
        # Shown by --hypothesis-show-statistics: the runs do send (a run where nothing is ever
        # sent proves nothing about sends).
        if currently_in_test_context():
            event(f"drafts delivered: {min(len(self.world.delivered), 3)}")
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)


Promises.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_promises = Promises.TestCase


WALK = (
    "they_reply", "owner_checks_in_by_hand", "time_passes", "days_pass", "approve", "skip_one",
    "edit_one", "stop_the_thread", "send_pass", "restart", "day", "day", "day", "anew",
)  # fmt: skip


def test_long_random_walks_keep_the_promises_and_do_send() -> None:
    """Hypothesis prefers short runs; long seeded walks (40 steps) reach second check-ins,
    answered drafts and crashes after real sends. The promises hold after every step, and
    most walks do send (a walk that never sends proves nothing about sending)."""
    delivered = [_walk(seed) for seed in range(12)]
    assert sum(1 for n in delivered if n) >= 6, delivered
    assert max(delivered) >= 2, delivered


def _walk(seed: int) -> int:
    chance = random.Random(seed)
    machine = Promises()
    try:
        for _ in range(40):
            step = chance.choice(WALK)
            roll = chance.randint(0, 2)
            if step == "they_reply":
                machine.they_reply(chance.choice(["reply"] * 4 + ["timeline"] * 4
                                                 + ["question", "rejection"]))  # fmt: skip
            elif step in {"owner_checks_in_by_hand", "skip_one", "edit_one"}:
                getattr(machine, step)(roll)
            elif step == "stop_the_thread":
                machine.stop_the_thread(chance.randint(0, 9))
            elif step == "time_passes":
                machine.time_passes(chance.randint(0, 9), chance.choice([9, 10, 14, 20]))
            elif step == "days_pass":
                machine.days_pass(chance.randint(1, 9))
            elif step == "approve":
                machine.approve_everything_waiting()
            elif step == "send_pass":
                machine.send_pass(chance.choice([None, None, "refuse4", "refuse5", "uncertain",
                                                 "crash_before", "crash_after"]))  # fmt: skip
            elif step == "restart":
                machine.restart()
            elif step == "anew":
                machine.they_write_anew(chance.choice(["reply"] * 3 + ["rejection"]), roll)
            else:
                machine.a_day_with_the_digest(chance.randint(1, 8))
            machine.the_promises_hold()
        return len(machine.world.delivered)
    finally:
        machine.teardown()


def test_the_simulation_sends_when_nothing_stops_it() -> None:
    """The state machine is worth something only if its sends happen: drive one through."""
    machine = Promises()
    try:
        machine.time_passes(12, 9)  # Tue 17 Nov 09:45: the check-in was due at 09:30
        machine.send_pass(None)  # drafts it
        machine.approve_everything_waiting()
        machine.send_pass(None)
        assert len(machine.world.delivered) == 1
        machine.the_promises_hold()
        machine.they_reply("reply")
        machine.time_passes(8, 10)
        machine.send_pass(None)
        machine.approve_everything_waiting()
        machine.send_pass(None)
        assert len(machine.world.delivered) == 2  # a new wait after their answer
        machine.they_write_anew("reply", 0)  # in a mail thread of its own: an answer
        assert len(machine.store.threads("main", hiring_only=True)) == 1
        machine.time_passes(8, 10)
        machine.send_pass(None)
        machine.approve_everything_waiting()
        machine.send_pass(None)
        assert len(machine.world.delivered) == 3  # a new wait after that answer
        last = parse_message(machine.world.delivered[-1][0], (OWNER,))
        assert last.in_reply_to == ("<sim-2@northwindlabs.com>",)  # written where she wrote
        machine.they_reply("rejection")
        machine.time_passes(9, 10)
        machine.send_pass(None)
        machine.approve_everything_waiting()
        machine.send_pass(None)
        assert len(machine.world.delivered) == 3
        machine.the_promises_hold()
    finally:
        machine.teardown()


def test_an_answer_in_a_new_mail_thread_withdraws_the_approved_check_in() -> None:
    """Dana answers under a subject of her own after the owner approved a check-in: the
    check-in is withdrawn, not sent (the two mail threads are one hiring process)."""
    machine = Promises()
    try:
        machine.time_passes(12, 9)  # the check-in is due
        machine.send_pass(None)  # drafts it
        machine.approve_everything_waiting()
        [approved] = machine.store.queue_items(states=("approved",))
        machine.they_write_anew("reply", 0)
        machine.send_pass(None)
        assert machine.world.delivered == []
        item = machine.store.queue_item(approved.code)
        assert item is not None and item.state == "cancelled"
        machine.the_promises_hold()
    finally:
        machine.teardown()


def test_a_company_newsletter_beside_the_process_neither_joins_nor_breaks_it() -> None:
    """Northwind's newsletter (bulk mail, which no process may absorb) names interviews and
    arrives between the owner's approval and Dana's answer in a new mail thread: the answer
    still withdraws the check-in, and the newsletter is analysed on its own."""
    machine = Promises()
    try:
        machine.time_passes(12, 9)
        machine.send_pass(None)
        machine.approve_everything_waiting()
        [approved] = machine.store.queue_items(states=("approved",))
        raw = (
            "From: Northwind Labs <news@northwindlabs.com>\r\nTo: alex@example.com\r\n"
            "Subject: Five interview tips from our recruiters\r\n"
            f"Date: {machine.now.strftime('%a, %d %b %Y %H:%M:%S %z')}\r\n"
            "Message-ID: <news-1@northwindlabs.com>\r\n"
            "List-Unsubscribe: <https://northwindlabs.com/unsubscribe>\r\n\r\n"
            "Our recruiters share five interview tips. Unsubscribe at any time.\r\n"
        ).encode()
        machine.world.mail.append(
            Mail(raw, "<news-1@northwindlabs.com>", machine.now, "incoming", "sample")
        )
        machine.they_write_anew("reply", 0)
        machine.send_pass(None)
        assert machine.world.delivered == []
        item = machine.store.queue_item(approved.code)
        assert item is not None and item.state == "cancelled"
        news = [
            t for t in machine.store.threads("main") if t.subject.startswith("Five interview")
        ]
        assert len(news) == 1 and not news[0].is_interview
        assert news[0].step.get("kind") == "not_tracked"
        assert "part_of" not in news[0].facts
    finally:
        machine.teardown()
