"""One hiring process, several mail threads: which threads belong together. Pure.

A process often spans more than one thread as a mailbox shows them: the recruiter's
invitation under one subject, a calendar invite under its own, the owner's thank-you to the
panel under a third, the recruiter's answer to that. Read alone, each may say too little (an
invitation with no thank-you, a thank-you with no interview), and reading them apart is
worse than a miss: the invitation thread would be offered a thank-you the owner already
sent elsewhere, and a reply in one thread would not stop a check-in in another.

Threads belong to one process when all of these hold:

- each speaks of hiring (`speaks_of_hiring`: a calendar invite, interview or application
  words, a role in the subject, an applicant-tracking sender, a rejection or an offer,
  feedback passed on, the owner's thank-you after a meeting);
- they share an organisation on the other side (`organisations`: the company's mail domain,
  or the whole address for public mail services and the owner's own domain, never an
  applicant-tracking address, which many companies share; or a company's name a hiring
  system or a subject mentions, matched against the letters of a company's domain);
- they lie within `PROCESS_WINDOW` of each other, and are no more than
  `MAX_PROCESS_THREADS`;
- none of them is bulk mail (a company's newsletter speaks of interviews too);
- they do not name two different roles (two applications at one company are two processes);
- `detect` takes them for an interview process read together, and either one of them is one
  alone or none of them, read alone, is vetoed (vetoed pieces make no interview of the
  owner's). None of them needs to be one alone: the invitation the owner answered by phone
  and the thank-you written as a new message are one only together.

Threads of which one is vetoed (`Detection.vetoed`: the owner as the interviewer, a podcast
guest) and that together are no interview process are read together too, as a story that is
not a hiring process (`Process.hiring` false): the hiring system's notice that books the owner
as an interviewer, or the scheduling tool's booking of a podcast, is an interview invite
alone, and only the thread beside it says whose interview it is.

The process is tracked in the thread holding its latest human message (where a check-in
would be written); the others are part of it and are not tracked on their own.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tracker.understand.detect import APPLICATION, INTERVIEW_WORDS, ROLE, detect, is_ats_address
from tracker.understand.domains import PUBLIC_MAIL, owner_domains, registrable_domain
from tracker.understand.facts import ORG_SUFFIX, SUBJECT_COMPANY, is_machine_address, role_of
from tracker.understand.parse import Address, Message
from tracker.understand.signals import automatic_reasons, is_thank_you, outcome_of
from tracker.understand.threads import Thread

PROCESS_WINDOW = timedelta(days=45)
# One hiring process spans a handful of mail threads; more threads of one organisation within
# the window are a job board, a newsletter or a long correspondence, not one process (and
# reading them all together would cost time growing with their square).
MAX_PROCESS_THREADS = 12

_EPOCH = datetime.min.replace(tzinfo=UTC)
# Hiring systems and scheduling tools that send for many companies, by a label of their mail
# domain ("hire.lever.co", "acme.teamtailor-mail.com", "acme.jobs.personio.de").
_SHARED_SERVICE = frozenset({
    "ashbyhq", "bamboohr", "breezy", "calendly", "goodtime", "greenhouse", "icims", "jobvite",
    "lever", "myworkday", "myworkdayjobs", "personio", "recruitee", "smartrecruiters",
    "teamtailor", "workable", "workablemail", "workday", "zohorecruit",
})  # fmt: skip
# Local parts of addresses that send on a service's behalf, not a company's.
_SERVICE_SENDER = re.compile(r"^(?:calendar|notifications?|mailer|postmaster|bounces?)\b")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# Legal forms after a company's name: "Northwind Labs GmbH" is northwindlabs.
_LEGAL_FORM = re.compile(
    r"\b(?:inc|llc|ltd|limited|gmbh|ag|plc|sa|sas|sarl|sl|srl|bv|nv|corp|co|pty)\b\.?",
    re.IGNORECASE,
)
# Words of display names that name no one in particular ("Recruiting Team", "Talent").
_GENERIC_WORDS = frozenset({
    "acquisition", "application", "calendar", "careers", "career", "confirmation",
    "confirmed", "do", "einladung", "entretien", "entrevista", "hiring", "hr", "info",
    "interview", "invitation", "jobs", "mailer", "new", "next", "no", "noreply", "not",
    "notification", "notifications", "people", "recruiter", "recruiting", "recruitment",
    "reply", "scheduling", "steps", "support", "talent", "team", "thank", "thanks", "the",
    "update", "you", "your",
})  # fmt: skip


@dataclass(frozen=True)
class Process:
    """Several mail threads of one hiring process; `tracked` is where followup follows it up."""

    tracked: Thread
    threads: tuple[Thread, ...]  # every thread of the process, `tracked` included
    hiring: bool = True  # false: one story across threads that is no hiring process

    @property
    def combined(self) -> Thread:
        """All the process's mail as one thread under the tracked thread's id, in date order."""
        return combine(self.tracked.thread_id, self.threads)

    @property
    def thread_ids(self) -> tuple[str, ...]:
        return tuple(t.thread_id for t in self.threads)


def combine(thread_id: str, threads: Iterable[Thread]) -> Thread:
    """The messages of `threads` as one thread (each Message-ID once), oldest first."""
    seen: dict[str, Message] = {}
    for thread in threads:
        for message in thread.messages:
            seen.setdefault(message.message_id, message)
    ordered = sorted(seen.values(), key=lambda m: (m.date is None, m.date or _EPOCH, m.message_id))
    return Thread(thread_id=thread_id, messages=tuple(ordered))


def organisation(address: str, owner_domains: frozenset[str]) -> str | None:
    """The organisation an address speaks for: its company's domain (a company's no-reply or
    careers address included), the whole address where the domain is a public mail service
    or the owner's own, None for a service many companies share (an applicant-tracking
    system, a calendar's notifications)."""
    address = address.lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or _SERVICE_SENDER.match(local):
        return None
    if is_ats_address(address) or _SHARED_SERVICE.intersection(re.split(r"[.-]", domain)):
        return None
    base = registrable_domain(domain)
    if base.split(".", 1)[0] in PUBLIC_MAIL or base in owner_domains:
        return address
    return base


def name_key(name: str) -> str | None:
    """A company's name as written ("Northwind Labs Recruiting", "Northwind Labs GmbH") as
    an organisation key that mentions it: "?" and the letters of the name ("?northwindlabs").
    A mention links only to the company whose domain has those letters ("~northwindlabs" for
    northwindlabs.com), never to another mention: "Interview request: ..." names nobody.
    None for names of no one in particular and for the hiring systems' own names."""
    text = _LEGAL_FORM.sub(" ", ORG_SUFFIX.sub("", name))
    words = re.findall(r"\w+", _plain(text.lower()))
    if not words or all(w in _GENERIC_WORDS or w in _SHARED_SERVICE for w in words):
        return None
    letters = "".join(words)
    return f"?{letters}" if len(letters) >= 4 else None


def _plain(text: str) -> str:
    """Letters as a domain writes them: "präzision" is "praezision", "rhône" is "rhone"."""
    text = text.translate(_UMLAUTS)
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _domain_key(domain: str) -> str | None:
    """The letters of a company's domain as a name key: "~northwindlabs" for northwind-labs.com."""
    label = registrable_domain(domain).split(".", 1)[0]
    letters = "".join(ch for ch in label if ch.isalnum())
    return f"~{letters}" if len(letters) >= 4 else None


def organisations(thread: Thread, owners: frozenset[str], domains: frozenset[str]) -> set[str]:
    """The organisations on the other side of `thread`: who wrote, who the owner wrote to,
    who organised or attends its invites, the people an applicant-tracking system names.

    Besides addresses, names: a company's domain gives its letters ("~northwindlabs"); mail
    from a hiring system mentions the name it writes under ("Northwind Labs Recruiting"), and
    subjects the companies they name ("... at Northwind Labs", "Albion Water - interview").
    So the invitation a hiring system sent, or an agency's thread about its client, joins the
    thank-you written to the company's people. People's names link nothing: the same name at
    two companies is common enough to join two processes."""
    found: set[str] = set()
    for message in thread.messages:
        people = list(message.reply_to)
        if message.direction == "incoming":
            if message.sender is not None:
                people.append(message.sender)
        else:
            people.extend((*message.to, *message.cc))
        for event in message.calendar:
            if event.organizer is not None:
                people.append(event.organizer)
            people.extend(event.attendees)
        for person in people:
            if person.email.lower() not in owners:
                found.update(_keys_of(person, domains))
        found.update(_subject_names(message.subject))
    # A name mentioned beside the company's domain that spells it out ("Halberd Security" for
    # halberdsec.com) is the company's too: other mail mentioning it joins it.
    letters = [key[1:] for key in found if key.startswith("~")]
    for key in [k for k in found if k.startswith("?")]:
        if any(key[1:].startswith(d) or d.startswith(key[1:]) for d in letters):
            found.add(f"~{key[1:]}")
    return found


# A subject's first words before a dash, bar or colon: "Albion Water - interview confirmation".
_SUBJECT_LEAD = re.compile(
    r"^(?:(?:re|aw|wg|fwd?|tr|rv|sv)\s*:\s*)*(?P<name>[A-Z][\w&'’.-]*(?:\s+[A-Z&][\w&'’.-]*){0,3})"
    r"\s*[-–—|:]\s",
    re.IGNORECASE,
)


# "Your application to Halberd Security", "Ihre Bewerbung bei ...", "Votre candidature chez ...".
_SUBJECT_APPLIED = re.compile(
    r"\b(?:application|candidature|candidatura|bewerbung)\s+(?:to|at|with|bei|chez|à|en|a)\s+"
    r"(?P<name>[A-Z][\w&'’.-]*(?:\s+[A-Z&][\w&'’.-]*){0,3})",
    re.IGNORECASE,
)


def _subject_names(subject: str) -> set[str]:
    """The companies a subject names, as name keys: "... at Northwind Labs", "Vorstellungs-
    gespräch bei Nordkap Anlagenbau", "Albion Water - interview confirmation". Other words
    a subject starts with give mentions too ("?seniorbusinessanalyst"), which match no
    company's domain."""
    names = [m.group("name") for m in SUBJECT_COMPANY.finditer(subject)]
    names += [m.group("name") for m in _SUBJECT_APPLIED.finditer(subject)]
    lead = _SUBJECT_LEAD.match(subject)
    if lead is not None and lead.group("name")[:1].isupper():
        names.append(lead.group("name"))
    return {key for key in map(name_key, names) if key is not None}


def _keys_of(person: Address, domains: frozenset[str]) -> set[str]:
    """The organisation keys one address gives: its organisation, and the names above."""
    key = organisation(person.email, domains)
    if key is None:  # a hiring system: the company it writes for, by name
        name = name_key(person.name) if person.name and "@" in person.email else None
        return {name} if name is not None else set()
    if "@" in key:  # one person at a public mail service
        return {key}
    letters = _domain_key(key)
    return {key, letters} if letters is not None else {key}


# The other side passing on how an interview went ("Feedback from Corvid").
_FEEDBACK = re.compile(
    r"\bfeedback\b|\brückmeldung\b|\bdebrief\w*|\bhiring (?:team|manager|decision)\b|"
    r"\bfinal decision\b|\ban answer from (?:me|us)\b",
    re.IGNORECASE,
)


def speaks_of_hiring(thread: Thread, owners: frozenset[str]) -> bool:
    """Whether any message of `thread` is about a job: an invite, an interview, an application
    or a role named, an applicant-tracking sender, a rejection or an offer, the owner thanking
    someone after a meeting."""
    for message in thread.messages:
        if message.calendar:
            return True
        wording = f"{message.subject}\n{message.new_text}"
        if INTERVIEW_WORDS.search(wording) or APPLICATION.search(wording):
            return True
        if message.direction == "incoming":
            sender = message.sender.email if message.sender else ""
            if is_ats_address(sender) or ROLE.search(message.subject) or outcome_of(message):
                return True
            if _FEEDBACK.search(wording):
                return True
        elif is_thank_you(message):
            return True
    return False


def _span(thread: Thread) -> tuple[datetime, datetime] | None:
    dates = [m.date for m in thread.messages if m.date is not None]
    return (min(dates), max(dates)) if dates else None


def _human_last(thread: Thread) -> datetime:
    """When the latest message a person wrote (the owner, or the other side not automatically)
    arrived: the thread where a check-in is written."""
    dates = [
        m.date
        for m in thread.messages
        if m.date is not None
        and (
            m.direction == "outgoing"
            or not (automatic_reasons(m) or is_machine_address(m.sender.email if m.sender else ""))
        )
    ]
    return max(dates, default=_EPOCH)


# What a subject says around a role that is not the role: "Einladung: Vorstellungsgespräch
# Senior Data Analyst (m/w/d)" names the role "data analyst".
_ROLE_NOISE = re.compile(r"\([^)]*\)|\b[mwdhf](?:/[mwdhf])+\b|\breq\S*|\d+")
_NOT_ROLE = frozenset({
    "confirmation", "confirmed", "einladung", "entretien", "entrevista", "final", "for",
    "home", "interview", "invitación", "invitation", "jr", "junior", "lead", "principal",
    "round", "schedule", "scheduled", "senior", "sr", "staff", "take", "technical", "the",
    "to", "vorstellungsgespräch", "with", "your",
})  # fmt: skip


def role_words(thread: Thread) -> frozenset[str]:
    """The words of the role `thread` names, up to its title's noun ("Product Analyst" of
    "Product Analyst role at Tidewater"), without seniority and interview words; empty when
    it names none."""
    role = role_of(thread)
    title = ROLE.search(_ROLE_NOISE.sub(" ", role)) if role is not None else None
    if title is None:
        return frozenset()
    words = re.findall(r"[^\W\d_]+", title.group(0).lower())
    return frozenset(
        w for w in words if w not in _NOT_ROLE and len(w) > 1 and not INTERVIEW_WORDS.search(w)
    )


def _several_roles(threads: Sequence[Thread]) -> bool:
    """Whether two of `threads` name roles of which neither contains the other."""
    roles = [words for words in map(role_words, threads) if words]
    return any(not (a <= b or b <= a) for a, b in itertools.combinations(roles, 2))


@dataclass(frozen=True)
class Candidate:
    """What grouping needs of a thread that speaks of hiring (the store keeps it per thread)."""

    thread_id: str
    first_at: datetime
    last_at: datetime
    organisations: frozenset[str]


def candidate(thread: Thread, owner_addresses: Iterable[str]) -> Candidate | None:
    """`thread` as a possible part of a process; None when it cannot be one (it does not
    speak of hiring, names no organisation on the other side, or has no dates)."""
    owners = frozenset(a.lower() for a in owner_addresses)
    span = _span(thread)
    if span is None or not speaks_of_hiring(thread, owners):
        return None
    orgs = organisations(thread, owners, owner_domains(owners))
    if not orgs:
        return None
    return Candidate(thread.thread_id, span[0], span[1], frozenset(orgs))


def _bucket(organisation: str) -> str:
    """The bucket `candidate_groups` sorts an organisation into: a mention ("?acme") shares
    the bucket of the domain with its letters ("~acme")."""
    return f"~{organisation[1:]}" if organisation.startswith("?") else organisation


def _by_bucket(found: Sequence[Candidate]) -> dict[str, list[int]]:
    """The indexes of `found` in each bucket of their organisations, in order, once each."""
    by_bucket: dict[str, list[int]] = {}
    for index, item in enumerate(found):
        for org in item.organisations:
            key = _bucket(org)
            if not by_bucket.get(key) or by_bucket[key][-1] != index:
                by_bucket.setdefault(key, []).append(index)
    return by_bucket


def related_candidates(candidates: Iterable[Candidate], keys: Iterable[str]) -> list[Candidate]:
    """The candidates linked to the threads `keys` by a chain of shared organisations (the
    threads themselves included). Each bucket of an organisation is then whole, so the groups
    of `candidate_groups` that hold one of `keys` are the groups of these alone, and a pass
    that reads a few threads groups them without every other candidate of the mailbox."""
    found = list(candidates)
    by_bucket = _by_bucket(found)
    wanted = set(keys)
    todo = [index for index, item in enumerate(found) if item.thread_id in wanted]
    linked, buckets = set(todo), set()
    while todo:
        for org in found[todo.pop()].organisations:
            bucket = _bucket(org)
            if bucket not in buckets:
                buckets.add(bucket)
                todo.extend(i for i in by_bucket[bucket] if i not in linked)
                linked.update(by_bucket[bucket])
    return [found[index] for index in sorted(linked)]


def candidate_groups(candidates: Iterable[Candidate]) -> list[tuple[str, ...]]:
    """The thread ids that may form one process: candidates sharing an organisation whose
    spans lie within `PROCESS_WINDOW` of each other, transitively. Only groups of two to
    `MAX_PROCESS_THREADS` (a larger one is no process: its threads are read alone); each
    oldest first."""
    found = sorted(candidates, key=lambda c: (c.first_at, c.thread_id))
    parent = list(range(len(found)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_org = _by_bucket(found)
    domains = {org for item in found for org in item.organisations if org.startswith("~")}
    for key, indexes in by_org.items():
        if key.startswith("~") and key not in domains:
            continue  # mentions only: no company of theirs in the mailbox
        # In order of start (`found` is sorted): each joins the run before it while it starts
        # within the window of the run's end (the connected spans, in one sweep).
        run_end = found[indexes[0]].last_at
        for previous, i in itertools.pairwise(indexes):
            if found[i].first_at - PROCESS_WINDOW <= run_end:
                a, b = root(previous), root(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)
                run_end = max(run_end, found[i].last_at)
            else:
                run_end = found[i].last_at
    groups: dict[int, list[str]] = {}
    for index, item in enumerate(found):
        groups.setdefault(root(index), []).append(item.thread_id)
    return sorted(tuple(ids) for ids in groups.values() if 2 <= len(ids) <= MAX_PROCESS_THREADS)


def process_of(threads: Sequence[Thread], owner_addresses: Iterable[str]) -> Process | None:
    """The process the threads of `threads` (one of `candidate_groups`) other than bulk mail
    form, or None: fewer than two are left, they name different roles, or they are neither
    an interview process nor a story a vetoed thread says is none."""
    owners = frozenset(a.lower() for a in owner_addresses)
    if len(threads) < 2:
        return None
    alone = {t.thread_id: detect(t, owners) for t in threads}
    kept = [t for t in threads if not alone[t.thread_id].bulk]
    if len(kept) < 2 or _several_roles(kept):
        return None
    members = sorted(kept, key=lambda t: (_span(t) or (_EPOCH, _EPOCH), t.thread_id))
    tracked = max(members, key=lambda t: (_human_last(t), t.thread_id))
    together = detect(combine(tracked.thread_id, members), owners).is_interview
    vetoed = any(alone[t.thread_id].vetoed for t in members)
    if together and (not vetoed or any(alone[t.thread_id].is_interview for t in members)):
        # With an interview among them already, reading them together only adds what the
        # others say: an answer or a rejection in a thread the veto would have left apart.
        return Process(tracked, tuple(members))
    if vetoed and not together:
        return Process(tracked, tuple(members), hiring=False)
    return None


def find_processes(threads: Sequence[Thread], owner_addresses: Iterable[str]) -> list[Process]:
    """The processes (hiring ones, and stories a vetoed thread says are none) that span
    more than one of `threads`, oldest first.

    A thread belongs to at most one process; threads of no process are not listed.
    """
    owners = frozenset(a.lower() for a in owner_addresses)
    by_id = {t.thread_id: t for t in threads}
    found = [c for c in (candidate(t, owners) for t in threads) if c is not None]
    processes = [process_of([by_id[i] for i in ids], owners) for ids in candidate_groups(found)]
    return [p for p in processes if p is not None]


def understood_threads(threads: Sequence[Thread], owners: Iterable[str]) -> list[Thread]:
    """The threads as understanding reads them: the mail threads of one hiring process
    (`find_processes`) become one thread under the id of the one it is tracked in."""
    processes = find_processes(threads, owners)
    merged = {t.thread_id: p for p in processes for t in p.threads}
    result: list[Thread] = []
    for thread in threads:
        process = merged.get(thread.thread_id)
        if process is None:
            result.append(thread)
        elif thread is process.threads[0]:
            result.append(process.combined)
    return result
