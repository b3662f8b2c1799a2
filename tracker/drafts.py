"""Check-in and thank-you drafts: a hiring thread and its facts in, the words and threading out.

`render_draft` picks who to write to and which message to answer, reads a concrete point
from the owner's own thank-you note, and renders one of three Jinja2 templates:

    thank_you.txt.j2    the thank-you note, when the owner has not sent one
    checkin_1.txt.j2    the first check-in
    checkin_2.txt.j2    the second, shorter and gentler check-in

The bundled templates live in `tracker/templates/`. A folder named by the `templates.directory`
setting overrides them file by file: put a file of the same name there. Templates are
rendered with `StrictUndefined` (a misspelt variable is an error, never blank text), without
HTML escaping, with `trim_blocks` and `lstrip_blocks` (a line holding only a `{% ... %}` tag
leaves no blank line behind). Write each paragraph on one line: mail clients wrap it.

Template variables (every one is always defined; "or None" ones test false when unknown):

    kind            "thank_you" or "checkin"
    ordinal         1 or 2 (the check-in's number; 1 for the thank-you)
    first_name      the recipient's first name ("Dana" for "Dana Whitfield" or
                    "Whitfield, Dana"), or None: write a neutral "Hello," then
    recipient_name  the recipient's display name as written, or None
    role            the role ("Senior Data Engineer"), or None
    company         the company ("Northwind Labs"), or None
    position        a phrase naming both as far as known: "the Senior Data Engineer role at
                    Northwind Labs", "the Senior Data Engineer role", "the role at Northwind
                    Labs" or "the role"
    point           what the owner's thank-you note said was discussed ("moving the nightly
                    batch jobs to streaming"), or None
    thankyou_sent   True when the owner's thank-you note is in the thread
    interview_at    the interview's start (a timezone-aware datetime), or None
    owner_name      the owner's name as their own messages show it ("Alex Morgan"), or None;
                    also None when the signature already starts with that name
    signature       the `templates.signature` setting, or None
    subject         the draft's subject ("Re: ...")

The signature is not part of the templates: it is appended under the rendered text (right
under a closing line that ends with a comma, else after a blank line) unless the text already
ends with it. Nothing in a draft, its headers included,
says that a program wrote it.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any, Literal

from tracker.config import TemplateSettings
from tracker.errors import FollowupError
from tracker.rendering import render_template, template_problem
from tracker.understand.facts import ThreadFacts, is_machine_address
from tracker.understand.parse import Address, Message
from tracker.understand.signals import automatic_reasons
from tracker.understand.threads import Thread

logger = logging.getLogger(__name__)

DraftKind = Literal["thank_you", "checkin"]

TEMPLATE_NAMES: dict[tuple[DraftKind, int], str] = {
    ("thank_you", 1): "thank_you.txt.j2",
    ("checkin", 1): "checkin_1.txt.j2",
    ("checkin", 2): "checkin_2.txt.j2",
}

# A References header that grows with every reply is cut to its root and its latest ids
# (RFC 5322 §3.6.4 allows it; threading needs only those).
MAX_REFERENCES = 20


@dataclass(frozen=True)
class Draft:
    """One reply ready for the owner's approval: who, which thread, what words."""

    kind: DraftKind
    ordinal: int  # 1 or 2 for check-ins; 1 for the thank-you
    to: Address  # the person who last wrote from the other side
    subject: str  # "Re: <original subject>"
    in_reply_to: str  # the parent's Message-ID, angle brackets kept; "" when none is usable
    references: tuple[str, ...]  # the parent's References + the parent's Message-ID
    body: str  # plain text, ends with the signature when one is configured


class NoRecipient(FollowupError):
    """Nobody on the other side can be written to (only a no-reply system wrote)."""


def body_hash(body: str) -> str:
    """The SHA-256 (hex) of the exact text: what an approval binds to."""
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


# --- threading ---------------------------------------------------------------------------------

# Printable ASCII without spaces or angle brackets inside: what a header can carry unchanged.
_USABLE_ID = re.compile(r"<[!-;=?-~]{1,900}>")


def is_usable_message_id(message_id: str) -> bool:
    """True when `message_id` can go into a threading header as it is."""
    return _USABLE_ID.fullmatch(message_id) is not None


def _id_of(message: Message) -> str | None:
    """The message's own Message-ID, unless parse had to invent it (it names nothing real)."""
    if message.message_id_synthesised or not is_usable_message_id(message.message_id):
        return None
    return message.message_id


def _threading(parent: Message | None) -> tuple[str, tuple[str, ...]]:
    """In-Reply-To and References for a reply to `parent` (RFC 5322 §3.6.4)."""
    if parent is None:
        return "", ()
    parent_id = _id_of(parent)
    # Without References, a single In-Reply-To names the grandparent.
    earlier = parent.references or (parent.in_reply_to if len(parent.in_reply_to) == 1 else ())
    chain = [i for i in earlier if is_usable_message_id(i)]
    if parent_id is not None:
        chain.append(parent_id)
    chain = list(dict.fromkeys(chain))
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return parent_id or "", tuple(chain)


_REPLY_PREFIXES = re.compile(r"^(?:\s*re\s*:\s*)+", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """Text fit for a header or a sentence: no control characters, whitespace collapsed."""
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates
    return " ".join(_CONTROL.sub(" ", text).split())


def _reply_subject(parent: Message | None, thread: Thread, kind: DraftKind) -> str:
    subjects = [parent.subject] if parent is not None else []
    subjects += [m.subject for m in reversed(thread.messages)]
    for subject in subjects:
        original = _REPLY_PREFIXES.sub("", _one_line(subject))
        if original:
            return f"Re: {original}"
    return "Thank you" if kind == "thank_you" else "Checking in"


# --- who to write to ---------------------------------------------------------------------------


# One "@" between two parts with nothing that needs quoting: what a reply can be sent to.
_DELIVERABLE = re.compile(r"[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+")


def is_deliverable_address(email_address: str) -> bool:
    """True when `email_address` can be written in a To: header and mailed as it is."""
    return _DELIVERABLE.fullmatch(email_address) is not None


def _deliverable(address: Address) -> bool:
    return is_deliverable_address(address.email)


def _person_behind(message: Message, owners: frozenset[str]) -> Address | None:
    """The human who wrote `message` from the other side, or None.

    A message from an applicant-tracking or no-reply address was written by the person its
    Reply-To names (as `facts` reads contacts).
    """
    sender = message.sender
    if message.direction != "incoming" or sender is None or sender.email in owners:
        return None
    if automatic_reasons(message):
        return None
    if not is_machine_address(sender.email):
        return sender if _deliverable(sender) else None
    for person in message.reply_to:
        if person.email in owners or is_machine_address(person.email):
            continue
        if _deliverable(person):
            return person
    return None


def _recipient_and_parent(
    thread: Thread, facts: ThreadFacts, owners: frozenset[str]
) -> tuple[Address, Message | None]:
    """The person to write to and the message the draft answers."""
    for message in reversed(thread.messages):
        person = _person_behind(message, owners)
        if person is not None:
            return _named(person, facts), message
    for contact in facts.contacts:
        if contact.email not in owners and _deliverable(contact):
            with_id = [m for m in thread.messages if _id_of(m) is not None]
            return contact, (with_id[-1] if with_id else None)
    raise NoRecipient(
        f"Nobody on the other side of thread {facts.thread_id} can be written to: only "
        "automatic or no-reply senders wrote. Reply by hand to the person you spoke with."
    )


def _named(person: Address, facts: ThreadFacts) -> Address:
    """`person`, with the display name another message gave that address when it has none."""
    if person.name:
        return person
    for contact in facts.contacts:
        if contact.email == person.email and contact.name:
            return Address(contact.name, person.email)
    return person


# --- names -------------------------------------------------------------------------------------

_HONORIFICS = frozenset(
    {
        "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "madam", "herr",
        "frau", "m", "mme", "mlle", "sr", "sra", "srta", "dott", "ing",
    }
)  # fmt: skip
_NOT_A_PERSON = re.compile(
    r"\b(?:recruit\w*|talent|careers?|hiring|team|hr|people|jobs|no-?reply|notifications?|"
    r"support|info|admin|office|karriere|recrutement|rrhh|via|inc|ltd|llc|gmbh)\b",
    re.IGNORECASE,
)
_ASIDE = re.compile(r"\([^)]*\)|\[[^\]]*\]|<[^>]*>|\"|'(?=\s|$)|(?:^|\s)'")


def first_name(display_name: str) -> str | None:
    """The first name to greet: "Dana" for "Dana Whitfield" or "Whitfield, Dana"; else None.

    None for team or system names ("Northwind Recruiting"), bare addresses and initials.
    """
    name = _ASIDE.sub(" ", _one_line(display_name))
    if _NOT_A_PERSON.search(name):
        return None
    if "," in name:
        before, _, after = name.partition(",")
        # "Whitfield, Dana" puts the family name first; "Dana Whitfield, PhD" does not.
        name = after if len(before.split()) == 1 and after.strip() else before
    words = [w for w in name.split() if "@" not in w]
    words = [w for w in words if w.strip(".").casefold() not in _HONORIFICS]
    if not words:
        return None
    first = words[0].strip(".,;:!?-'\u2019")
    if len(first) < 2 or len(first) > 40 or not any(ch.isalpha() for ch in first):
        return None
    if first.isupper() or first.islower():
        first = first.title()
    return first


def _owner_name(thread: Thread, owners: frozenset[str]) -> str | None:
    """The display name on the owner's latest own message that shows a person's name."""
    for message in reversed(thread.messages):
        sender = message.sender
        if sender is None or sender.email not in owners:
            continue
        name = _one_line(_ASIDE.sub(" ", sender.name))
        if not name or "@" in name or _NOT_A_PERSON.search(name):
            continue
        if name.count(",") == 1:
            family, given = (part.strip() for part in name.split(","))
            if family and given and len(family.split()) == 1:
                name = f"{given} {family}"
        return name
    return None


# --- the concrete point ------------------------------------------------------------------------

_TOPIC = (
    r"(?:discussion|conversation|talk|chat|exchange|deep dive)s?\s+"
    r"(?:of|about|on|around|regarding|into)"
)
_POINT_CUE = re.compile(
    r"\b(?:enjoyed|loved|appreciated|liked|valued)\s+(?:"
    rf"(?:our|the)\s+(?:\w+\s+)?{_TOPIC}"
    r"|(?:discussing|talking about|talking through|hearing about|learning about|"
    r"hearing more about|learning more about|exploring|digging into)"
    r")\s+"
    rf"|\b(?:our|the)\s+(?:\w+\s+)?{_TOPIC}\s+"
    r"|\bwas (?:great|fascinating|interesting|exciting|helpful|good) to (?:hear|learn) "
    r"(?:more )?about\s+"
    r"|\bthank(?:s| you) for (?:walking me through|explaining|telling me about)\s+",
    re.IGNORECASE,
)
# Where the phrase ends: punctuation, or a new clause about the owner's feelings.
_POINT_END = re.compile(
    r"[.;:!?()\[\]\"]|,|\s[-–—]\s"
    r"|\s(?:and|but|which|as|so|because|since)\s+(?:it|i|i'm|i've|i'd|that|this|made|makes|"
    r"really|was|is|am|gave|left|got)\b",
    re.IGNORECASE,
)
_POINT_TAIL = re.compile(
    r"(?:\s+(?:with (?:you|me|us|the team|your team|[A-Z][\w'-]*(?:\s+(?:and\s+)?[A-Z][\w'-]*)*)"
    r"|yesterday|today|earlier|this (?:morning|afternoon|week)|last week|on (?:mon|tues|wednes|"
    r"thurs|fri)day))+$",
)
# Phrases too vague to be "a concrete point from the conversation".
_GENERIC_POINTS = frozenset(
    {
        "it", "this", "that", "them", "everything", "all of it", "you", "the role",
        "the position", "the opportunity", "the job", "the team", "your team", "the company",
        "the interview", "the process",
    }
)  # fmt: skip
_MAX_POINT_WORDS = 14


def concrete_point(thank_you_text: str) -> str | None:
    """What the owner's thank-you note says was discussed, as a phrase to reuse; else None.

    "I especially enjoyed discussing the streaming migration" → "the streaming migration".
    """
    text = _one_line(thank_you_text.replace("\u2019", "'"))
    for cue in _POINT_CUE.finditer(text):
        rest = text[cue.end() :]
        end = _POINT_END.search(rest)
        phrase = rest[: end.start()] if end else rest
        phrase = _POINT_TAIL.sub("", phrase.strip()).strip()
        words = phrase.split()
        if not words or len(words) > _MAX_POINT_WORDS:
            continue
        if phrase.casefold() in _GENERIC_POINTS or not any(ch.isalpha() for ch in phrase):
            continue
        return phrase
    return None


def _position(role: str | None, company: str | None) -> str:
    if role and company:
        return f"the {role} role at {company}"
    if role:
        return f"the {role} role"
    if company:
        return f"the role at {company}"
    return "the role"


def _role_alone(role: str | None, company: str | None) -> str | None:
    """The role without a trailing "at <company>" that the subject it came from carried."""
    if not role:
        return None
    role = _one_line(role)
    if company:
        role = re.sub(rf"\s+(?:at|with|@)\s+{re.escape(company)}\s*$", "", role, flags=re.I)
    role = re.sub(r"^(?:the|a|an)\s+", "", role, flags=re.IGNORECASE)
    role = re.sub(r"\s+(?:role|position)$", "", role, flags=re.IGNORECASE)
    return role or None


# --- templates ---------------------------------------------------------------------------------


_TRAILING_SPACE = re.compile(r"[ \t]+$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _BLANK_LINES.sub("\n\n", _TRAILING_SPACE.sub("", text)).strip("\n")


def _with_signature(text: str, signature: str | None) -> str:
    signature_text = _tidy(signature) if signature else ""
    if signature_text and not text.endswith(signature_text):
        # Right under a closing ("Best regards,"), else after a blank line.
        gap = "\n" if text.endswith(",") else "\n\n"
        text = f"{text}{gap}{signature_text}"
    return text + "\n"


# --- the draft ---------------------------------------------------------------------------------


def render_draft(  # noqa: PLR0917 - the signature the queue and the sender call
    kind: DraftKind,
    ordinal: int,
    thread: Thread,
    facts: ThreadFacts,
    owner_addresses: frozenset[str],
    templates: TemplateSettings,
) -> Draft:
    """The `kind` draft number `ordinal` for `thread`, addressed, threaded and signed.

    Raises NoRecipient when nobody on the other side can be written to, TemplateProblem
    when a template fails, ValueError for an ordinal that does not exist.
    """
    name = TEMPLATE_NAMES.get((kind, ordinal))
    if name is None:
        raise ValueError(f"no {kind} draft number {ordinal}")
    owners = frozenset(a.strip().lower() for a in owner_addresses)
    recipient, parent = _recipient_and_parent(thread, facts, owners)
    in_reply_to, references = _threading(parent)
    subject = _reply_subject(parent, thread, kind)

    thank_you = next(
        (m for m in thread.messages if m.message_id == facts.thankyou_message_id), None
    )
    point = concrete_point(thank_you.new_text) if thank_you is not None else None
    company = _one_line(facts.company) if facts.company else None
    role = _role_alone(facts.role, company)
    signature = templates.signature if templates.signature and templates.signature.strip() else None
    owner_name = _owner_name(thread, owners)
    if owner_name and signature and _tidy(signature).casefold().startswith(owner_name.casefold()):
        owner_name = None  # the signature starts with it: do not sign twice

    variables: dict[str, Any] = {
        "kind": kind,
        "ordinal": ordinal,
        "first_name": first_name(recipient.name),
        "recipient_name": _one_line(recipient.name) or None,
        "role": role,
        "company": company or None,
        "position": _position(role, company or None),
        "point": point,
        "thankyou_sent": thank_you is not None,
        "interview_at": facts.interview_at,
        "owner_name": owner_name,
        "signature": signature,
        "subject": subject,
    }
    text = _tidy(render_template(name, templates.directory, variables))
    if not text.strip():
        raise template_problem(None, name, None, "it renders to no text")
    body = _with_signature(text, signature)
    logger.debug(
        "draft rendered kind=%s ordinal=%d thread=%s template=%s has_point=%s",
        kind,
        ordinal,
        facts.thread_id,
        name,
        point is not None,
    )
    return Draft(
        kind=kind,
        ordinal=ordinal,
        to=Address(_one_line(recipient.name), recipient.email),
        subject=subject,
        in_reply_to=in_reply_to,
        references=references,
        body=body,
    )
