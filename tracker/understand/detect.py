"""Is this thread a hiring process in which the owner is the candidate? Weighted, explained rules.

Each rule that fires adds (or subtracts) a weight and a human-readable reason; the sum is
squashed into a 0..1 score. A thread counts as an interview when the score reaches
`THRESHOLD` and at least one rule says an interview was held or scheduled (an invite, an
interview-scheduling message to the owner, or the owner's thank-you after a meeting).
Rules read `Message.new_text` (never quoted text), subjects, senders and calendar parts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from tracker.understand.domains import company_domains, registrable_domain
from tracker.understand.parse import CalendarEvent, Message
from tracker.understand.phrases import Phrases, any_of
from tracker.understand.signals import is_thank_you
from tracker.understand.threads import Thread

THRESHOLD = 0.5
# A rule weighing this much against a thread (bulk mail aside) vetoes it: it says the owner
# is not a candidate in this story (the interviewer, a podcast guest), and read with the other
# mail threads of the story it speaks for all of them (`processes.process_of`).
VETO = -3.0

_FLAGS = re.IGNORECASE | re.UNICODE


def _any(*phrases: str) -> Phrases:
    """One case-insensitive alternation of regex fragments."""
    return any_of(*phrases, flags=_FLAGS)


# Applicant-tracking systems and scheduling tools: the sender domain (or a Reply-To / display
# name mentioning them) says a hiring system is talking.
ATS_DOMAINS = (
    "greenhouse.io",
    "greenhouse-mail.io",
    "lever.co",
    "myworkday.com",
    "myworkdayjobs.com",
    "workday.com",
    "ashbyhq.com",
    "smartrecruiters.com",
    "icims.com",
    "personio.de",
    "personio.com",
    "calendly.com",
    "goodtime.io",
)

# Words naming a job interview in an invite or a message (en, de, fr, es).
INTERVIEW_WORDS = _any(
    r"\binterview",
    r"\bphone screen",
    r"\bscreening call\b",
    r"\bon-?site\b",
    r"\bpanel\b",
    r"\btechnical (?:round|interview|call|session|conversation|discussion|screen)\b",
    r"\bfinal round\b",
    r"\bhiring manager (?:call|conversation|chat|interview)\b",
    r"\btake-?home (?:debrief|review)\b",
    r"\bvorstellungsgespräch",
    r"\bbewerbungsgespräch",
    r"\bkennenlerngespräch",
    r"\b(?:zweit|erst|dritt|abschluss|fach|telefon|video|final)(?:gespräch|interview)",
    r"\bgesprächspartner(?:in)?\b",
    # The noun, not the verb: "ein erstes Kennenlernen", "Erstes Kennenlernen", "zum Kennenlernen".
    r"\b(?:(?:ein|einem|zum|unser|unserem) )?(?:erste[sn]?|kurze[sn]?|persönliche[sn]?|"
    r"virtuelle[sn]?) kennenlernen\b",
    r"\b(?:ein|einem|zum|unser|unserem) kennenlernen\b",
    r"\bentretien",
    r"\bentrevue",
    r"\bentrevista",
)

# The owner's application named by the other side: a scheduling phrase in such a message is
# about a job even without the word "interview" ("Ihre Bewerbung ... Zeit für ein Gespräch?").
APPLICATION = _any(
    r"\byour application\b",
    r"\b(?:ihre[rm]?|deine[rm]?) bewerbung\b",
    r"\b(?:votre|ta) candidature\b",
    r"\b(?:su|tu) (?:candidatura|postulación|solicitud)\b",
    r"\b(?:your|the) (?:hiring|recruitment|interview) process\b|\byour candidacy\b",
    r"\b(?:bewerbungs|auswahl)(?:prozess|verfahren)\b|\bprocessus de recrutement\b",
    r"\b(?:tu|su) proceso\b|\bproceso de selecci[oó]n\b",
)

# The other side confirming a booking the owner made (no reply needed from the owner).
_CONFIRMED = re.compile(
    r"\b(?:is|has\s+been|are)\s+(?:now\s+)?(?:confirmed|booked)\b"
    r"|\bist\s+(?:hiermit\s+)?bestätigt\b|\best\s+confirmée?\b|\bestá\s+confirmad[ao]\b",
    re.IGNORECASE,
)

# The other side arranging an interview with the owner (incoming new text or subject).
_SCHEDULING = _any(
    r"\byour (?:upcoming |next |final |first |second |technical |phone |video |onsite |on-site |"
    r"virtual |panel )*(?:interview|phone screen|onsite|on-site|conversation|call)\b",
    r"\b(?:invite|invited|inviting) you (?:to|for) (?:an?|the|your)?\s*(?:\w+\s){0,3}"
    r"(?:interview|conversation|call|chat|onsite|round)",
    r"\binterview with (?:us|our|the team|me)\b",
    r"\b(?:schedule|book|set up|arrange) (?:an?|your|the)\s*(?:\w+\s){0,2}(?:interview|call|chat)",
    r"\b(?:next|final) (?:round|step|stage)s?\b[^.\n]{0,80}\binterview",
    r"\binterview (?:is|has been) (?:confirmed|scheduled|rescheduled|booked)",
    r"\bmove (?:you )?forward\b[^.\n]{0,60}\binterview",
    r"\blooking forward to (?:speaking|talking|meeting) with you\b",
    r"\bsee you (?:on )?(?:monday|tuesday|wednesday|thursday|friday)\b",
    r"\b(?:ihr(?:em)?|zum|zu (?:einem|ihrem)|unser(?:em)?) (?:persönliche[ns]? |zweite[ns]? |"
    r"erste[ns]? )?"
    r"(?:vorstellungsgespräch|bewerbungsgespräch|interview|kennenlerngespräch|gespräch)",
    r"\beinladung zum (?:\w+ )?(?:gespräch|vorstellungsgespräch|interview)",
    r"\bvotre entretien\b",
    r"\b(?:je|nous) vous propos\w* (?:un |une )?(?:entretien|échange|rendez-vous)",
    r"\b(?:vous|te) propos\w* (?:un |une )?(?:\w+ )?(?:entretien|entrevue)",
    r"\b(?:votre|ton|ta|l['’]) entrevue\b",
    r"\b(?:möchten?|würden?) (?:wir |ich )?(?:sie|dich|euch) (?:sehr )?(?:gerne? )?"
    r"(?:persönlich |näher )?kennenlernen\b",
    r"\bzeit für ein (?:persönliches |erstes |zweites )?(?:gespräch|telefonat|interview)",
    r"\b(?:möchte|möchten|würde|würden) sie\b[^.?!\n]{0,100}\b(?:treffen|kennenlernen)\b",
    r"\b(?:te|le|les) propon\w* una (?:entrevista|llamada|reunión)",
    r"\b(?:möchten|würden) (?:wir )?sie (?:gerne )?(?:zu einem|zum) (?:\w+ )?"
    r"(?:gespräch|interview)",
    r"\b(?:un |l['’])entretien (?:avec|pour le poste|final|technique)",
    r"\bvous (?:convier|inviter) à (?:un|l')",
    r"\b(?:vous |t['’] ?)(?:convier|inviter) à (?:un|une|l['’]) ?(?:\w+ )?(?:entretien|entrevue)",
    r"\b(?:aimerions|souhaiterions|voudrions) vous rencontrer\b",
    r"\b(?:serions|sommes) (?:ravie?s?|heureux|heureuses|enchantée?s?) de vous (?:rencontrer|"
    r"recevoir|accueillir)\b",
    r"\bl['’]entretien (?:se déroulera|aura lieu)\b",
    r"\bzu einem (?:persönlichen |ersten |zweiten )?gespräch (?:ein)?(?:zu)?laden\b",
    r"\bnos gustaría (?:conocer|entrevistar)(?:te|le|la)\b",
    r"\bla entrevista (?:será|tendrá lugar)\b",
    r"\b(?:tu|su) entrevista\b",
    r"\bte (?:invitamos|proponemos)\b",
    r"\bnos vemos el\b",
)

# Job words: a role in a subject or text.
ROLE = _any(
    r"\b(?:senior |junior |staff |lead |principal )?(?:\w+ ){0,3}(?:engineer|developer|analyst|"
    r"scientist|designer|manager|architect|consultant|specialist|officer|coordinator|director|"
    r"administrator|accountant|controller|planner|technician|editor|advisor|adviser|auditor|"
    r"ingenieur(?:in)?|entwickler(?:in)?|"
    r"ingénieur(?:e)?|développeu(?:r|se)|analista|ingeniera?|desarrollador(?:a)?)\b",
    r"\b(?:position|role|opening|vacancy|stelle|vakanz|poste|puesto|vacante)\b",
    # German compounds: "Produktmanager", "Softwareentwicklerin".
    r"\b\w+(?:manager|entwickler|ingenieur|analyst|berater|architekt)(?:in)?\b",
)

_RECRUITER = _any(
    r"\brecruit(?:er|ing|ment)\b",
    r"\btalent (?:acquisition|partner|team)\b",
    r"\bpeople (?:team|partner|operations)\b",
    r"\bhuman resources\b|\bpersonalabteilung\b|\bpersonalreferent",
    r"\brecrutement\b|\brecruteu(?:r|se)\b|\bchargée? de recrutement\b",
    r"\breclutador(?:a)?\b|\bselección\b|\btalento\b",
)

# --- hard negatives ------------------------------------------------------------------------

# A hiring system or coordinator telling the owner, an interviewer, what to do: certain.
_INTERVIEWER_NOTICE = _any(
    r"\binvited to (?:evaluate|assess|review) (?:a |the )?candidate|\bcomplete your (?:evaluation|"
    r"assessment) of\b",
    r"\binvitée? à évaluer\b|\bévaluer (?:un|une|le|la) candidat|\bcompléter votre évaluation\b",
    r"\b(?:sie|dich) als interviewer\w*",
    r"\bbewertungsbogen\b|\binterviewleitfaden\b|\bgeben sie ihr feedback\b",
    r"\ben tant qu['’]intervieweu(?:r|se)\b|\bgrille d['’]évaluation\b",
    r"\bcomo entrevistador(?:a)?\b|\bformulario de evaluación\b",
    r"\b(?:you(?:'ve| have) been|you are|you're) (?:scheduled|booked|confirmed) to interview\b",
    r"\bsubmit (?:your|the) (?:scorecard|interview feedback|feedback)\b",
    r"\bplease (?:complete|fill (?:in|out)) (?:your|the) (?:scorecard|interview feedback)\b",
)
# The owner on the hiring side: interviewer logistics, evaluation, other candidates.
_INTERVIEWER_SIDE = _any(
    r"\bscorecard",
    r"\binterview kit\b",
    r"\binterview(?:er)? feedback\b",
    r"\bfeedback (?:on|for|about) (?:the )?candidate",
    r"\bcandidate(?:'s)? (?:name|profile|resume|cv|schedule)\b",
    r"\binterview(?:ing)? (?:panel|loop) for\b",
    r"\b(?:candidate|interview|hiring) debrief\b|\bdebrief (?:on|about|for) (?:the )?candidates?\b",
    r"\b(?:scorecards?|feedback) (?:at|before|for) the debrief\b",
    r"\bhiring (?:targets?|plan|loads?)\b|\binterview loads?\b",
    r"\bsecond interviewer\b|\bjoin (?:me|us) as (?:an? )?(?:second )?interviewer\b",
    r"\bbewertung\b",
    r"\bcomo responsable de contratación\b",
    r"\bexit interview\b",
    # Not the bare word: invitations list "Interviewer: Ms Goh", thank-yous greet "each
    # interviewer".
    r"\b(?:as|be|am) (?:an? |the )?(?:second |lead |backup )?interviewer\b",
    r"\binterviewer (?:training|notes|guide|pool|slot|rotation)\b",
)
# Said by the owner, these words mean the owner is choosing among candidates.
_OWNER_HIRING = _any(
    r"\bcandidates?\b|\bbewerber(?:in|innen)?\b|\bkandidat(?:in|en)?\b|\bcandidat(?:e|s)?\b",
    r"\bcandidat[oa]s?\b",
    r"\b(?:invite|inviting) you (?:to|for) (?:an?|the) (?:\w+ )?interview\b",
    r"\beinladung zum (?:\w+ )?(?:gespräch|vorstellungsgespräch|interview)",
    r"\bthank(?:s| you) for (?:interviewing(?! me\b)|coming in|"
    r"your interest in (?:our|the) team)\b",
    r"\bwe(?:'ll| will) (?:let you know|get back to you)\b",
)
# Said by the other side, these words make them the candidate writing to the owner.
_CANDIDATE_SIDE = _any(
    r"\bthank(?:s| you) (?:so much |again )?for (?:interviewing|taking the time to interview) me\b",
    r"\bthank(?:s| you) (?:so much |again )?for considering (?:me|my (?:application|candidacy))\b",
    r"\bi(?:'m| am) (?:very |really |so )?(?:excited|enthusiastic) about the (?:\w+ ){0,4}"
    r"(?:role|position|opportunity)\b",
    r"\bmy (?:application|candidacy) for the (?:\w+ ){0,4}(?:role|position)\b",
)
# The owner turning an approach down before any interview ("I'm not looking to make a move
# right now, so I'll pass").
_OWNER_DECLINES = _any(
    r"\bnot (?:currently |actively )?looking (?:to (?:make a )?move|"
    r"for a (?:new )?(?:role|job|change))",
    r"\bi(?:'ll| will) (?:have to )?pass\b|\bnot (?:really )?interested\b",
    r"\bnot the right (?:time|moment)\b|\bhappy (?:where i am|in my current role)\b",
    r"\bkein interesse\b|\bnicht wechselwillig\b|\bderzeit nicht auf (?:der )?suche\b",
    r"\bpas (?:à l['’]écoute|intéressée?)\b|\bne suis pas en recherche\b",
    r"\bno estoy buscando\b|\bno me interesa\b",
)
# The other side's conditional ("if selected, we will schedule an interview") arranges nothing.
_CONDITIONAL = _any(
    r"\bif\b|\bshould (?:you|your)\b|\bwenn\b|\bfalls\b|\bsollten?\b|\bsi (?:votre|vous)\b",
    r"\bsi (?:tu|su)\b",
)
# A preference offered beside an invitation ("or on Teams if you prefer") is no condition on it.
_PREFERENCE = _any(
    r"\b(?:if|si|wenn|falls) (?:you|tu|vous|sie|lo|le|ihnen|es)?\s*(?:'d |would )?"
    r"(?:prefer|préf[eè]r|prefier|lieber)\w*",
)
# Hiring context that makes a plain meeting ("see you Tuesday at 2pm") an interview.
_HIRING_CONTEXT = _any(
    r"\bhiring\b|\bapplying\b|\bapplication\b|\bportfolio\b|\bresume\b|\bcv\b",
    r"\b(?:role|position|opening|team)\b",
    r"\bbewerbung\b|\bstelle\b|\bcandidature\b|\bposte\b|\bcandidatura\b|\bpuesto\b",
)
_MEETING = _any(
    r"\b(?:would like|'d like|love) to meet you\b",
    r"\bcome (?:by|in|over)\b[^.\n]{0,60}\b(?:chat|talk|meet|conversation)",
    r"\bsee you (?:on )?(?:monday|tuesday|wednesday|thursday|friday|tomorrow)\b",
    r"\bwould (?:monday|tuesday|wednesday|thursday|friday)\b[^.\n?]{0,40}\bwork\b",
    r"\b(?:phone|video) (?:call|chat)\b",
    r"\bbis (?:montag|dienstag|mittwoch|donnerstag|freitag)\b",
    r"\bà (?:lundi|mardi|mercredi|jeudi|vendredi)\b",
    r"\bnos vemos el\b",
)

# "Interview: Jane Doe (candidate)", "Interview with Jane Doe for ...": someone else interviewed.
_OTHER_CANDIDATE_SUMMARY = _any(
    r"\bcandidate\b",
    r"\bkandidat",
    r"\bcandidat",
    r"\binterview(?:er)? (?:debrief|feedback|panel)\b",
)
_MEDIA_RESEARCH = _any(
    r"\bpodcast|\bpódcast",
    r"\bjournalist|\bjournaliste\b|\bperiodista\b|\breporter\b|\bnewspaper\b",
    r"\bzeitung\b|\bredaktion\b|\bperiódico\b",
    r"\bzitate\b|\bcitations?\b à relire",
    r"\bfact[- ]check",
    r"\bon air\b",
    r"\buser (?:research|interview)|\bnutzerinterview|\bux[- ]?(?:forschung|research)\b",
    r"\bentrevistas? (?:con|de|a) usuari[oa]s\b|\binvestigación (?:de|con) usuari[oa]s\b",
    r"\bentretiens? (?:avec des )?utilisateurs?\b|\brecherche utilisateur\b|\bnutzerstudie\b",
    r"\btarjeta (?:de )?regalo\b|\bchèque[- ]cadeau\b|\bbon d['’]achat\b",
    r"\bresearch (?:study|interview|participant)|\bstudy participa|\bconsent form\b",
    r"\bétude\b|\bentretien semi-directif\b|\bdoctorant",
    r"\bgift card\b|\bgutschein\b|\bincentive\b|\bhonorarium\b",
    r"\bexpert (?:network|interview|call)\b",
    r"\bzur autorisierung\b|\bunsere serie\b|\bin der (?:nächsten |kommenden )?ausgabe\b",
    r"\b\w*(?:tag|abend|morgen|wochen|amts)blatt(?:s|es)?\b",
)
# Words of the press and of publishing that are as often what a job is about ("a Digital
# Editor for our series", "plate readers"): they count in a sentence that also names an
# interview or what the press does with one.
_MEDIA_WORDS = _any(
    r"\bepisode\b|\bépisode\b|\bepisodio\b|\bmagazine\b|\b\w*magazin\b|\brevista\b",
    r"\bartículo\b|\barticle\b|\bbroadcast\b|\bproducer\b|\bsegment\b",
    r"\bq&a\b|\bnewsletter\b|\bseries\b|\bblog\b|\breaders\b|\blisteners\b",
)
_MEDIA_CONTEXT = _any(
    r"\binterview|\bfeature\b|\bquote|\bpublish|\bpublication\b|\brecord(?:ing)?\b",
    r"\bguest\b|\bon air\b|\bentrevista|\bentretien|\bgespräch|\bgrab(?:ación|ar)\b",
    r"\benregistr|\baufnahme\b|\binvitad[oa]\b|\binvité(?:e)?\b",
)
# The other side's signature naming the press: "Redakteurin, Wirtschaftsressort".
_PRESS_SIGNATURE = _any(
    r"\bjournalist|\bjournaliste\b|\bperiodista\b|\breporter\b|\bcorrespondent\b",
    r"\bredakt(?:ion|eur(?:in)?)\b|\brédact(?:ion|eur|rice)\b|\bredacci[oó]n\b",
    r"\beditor(?:ial)? desk\b|\bnewsroom\b|\bressort\b",
)
_OTHER_INTERVIEW = _any(
    r"\bvisa\b|\bconsulate\b|\bembassy\b|\bconsulat\b|\bbotschaft\b",
    r"\badmission(?:s)?\b|\badmissions? interview\b",
    r"\bnaturali[sz]ation\b|\bcitizenship\b|\beinbürgerung|\bnacionalidad\b",
    r"\bjury\b|\bjuror\b|\bvoir dire\b",
    r"\bletting agent\b|\blettings\b|\bwohnungsbesichtigung",
    r"\bwg-?(?:casting|zimmer)\b|\bin unserer wg\b|\bflat-?share\b|\bflatmates?\b|"
    r"\bhouse-?share\b|\bcolocation\b|\bcolocataire|\bpiso compartido\b|\bcompañer[oa]s? de piso\b",
    r"\bmock interview\b|\bpractice interview\b|\bsimulacro\b|\bentrevista de prueba\b",
    r"\badoption (?:application|interview)\b|\bhome visit\b|\b(?:dog|cat|animal|pet) rescue\b|"
    r"\bfoster (?:home|carer|parent)\b|\btierheim\b|\bhausbesuch\b|\badopción\b|\bprotectora\b",
    r"\bmitarbeitergespräch\b|\bjahresgespräch\b|\bperformance review\b|\bself-assessment\b",
    r"\bannual review\b|\bappraisal\b|\bentretien (?:annuel|d['’]évaluation|professionnel)\b",
    r"\b(?:evaluación|entrevista) de desempeño\b",
    # A vendor showing its product: "Ihre Produktdemo", "a live product demo".
    r"\bprodukt-?demo\b|\bproduct demo\b|\bsales demo\b|\bdemo(?:stración)? del? producto\b",
    r"\bdémo(?:nstration)? (?:de (?:notre|la) )?(?:produit|plateforme|solution)\b",
    r"\binformational interview\b",
    # A survey, not a recruiter's title: "Conseillère en acquisition de talents" recruits.
    r"\bconseill(?:er|ère) (?:d['’]orientation|clientèle|financier|bancaire)\b",
)
# Words of other meetings that count only in a sentence naming the meeting ("the apartment
# viewing", "your appointment at the clinic", "a short survey interview"): alone they are
# just as often what a job is about ("the clinic-intake redesign", "our volunteer programme").
_OTHER_MEETING_WORDS = _any(
    r"\bviewing\b|\bbesichtigung|\bapartment\b|\bwohnung\b",
    r"\bpatient\b|\bclinic\b|\bphysician\b",
    r"\bphotographer\b|\bwedding\b",
    r"\bvolunt(?:eer|ariado)\b|\bbénévol",
    r"\bmentee\b|\bmentoring\b",
    r"\bsatisfaction\b|\bsurvey\b|\benquête\b|\bencuesta\b",
)
# Invites of events that are not job interviews, whatever else their summary says ("Product
# demo for the panel", "Entretien annuel").
_OTHER_EVENT = _any(
    r"\bdemo\b|\bwebinar\b|\bproduct tour\b|\bdémo(?:nstration)?\b|\bdemostración\b",
    _OTHER_INTERVIEW.pattern,
)
_APPOINTMENT = _any(
    r"\binterview|\bappointment\b|\bviewing\b|\bvisit\b",
    r"\btermin\b|\bgespräch|\brendez-vous\b|\bentretien|\bcita\b|\bentrevista",
)
_NOT_HIRING = _any(
    r"\bnot (?:currently )?hiring\b|\bno (?:open )?(?:roles|openings|positions)\b",
    r"\bkeine offene stelle\b|\bsans poste\b|\bpas de poste\b|\bno hay vacantes\b",
)
_BULK = _any(
    r"\bunsubscribe\b|\babmelden\b|\bdésinscri|\bdarse de baja\b|\bcancelar (?:la )?suscripci",
    r"\bjob alert|\bjobs? (?:for|matching) you\b|\bnew jobs\b|\bjobalert",
    r"\balerte emploi\b|\balerta de empleo\b",
    r"\bwebinar\b|\bregister (?:now|here)\b",
)


@dataclass(frozen=True)
class Detection:
    """Whether a thread is a candidate's interview process, how sure, and why."""

    is_interview: bool
    score: float
    reasons: tuple[str, ...]
    vetoed: bool = False  # a rule weighing `VETO` or more against it fired (bulk mail aside)
    bulk: bool = False  # a newsletter, job alert or other bulk mail


@dataclass
class _Tally:
    total: float = 0.0
    interview_held: bool = False
    vetoed: bool = False
    bulk: bool = False
    reasons: list[str] | None = None

    def add(self, weight: float, reason: str, *, veto: bool = True) -> None:
        self.total += weight
        self.vetoed = self.vetoed or (veto and weight <= VETO)
        if self.reasons is None:
            self.reasons = []
        sign = "+" if weight >= 0 else "-"
        self.reasons.append(f"{sign}{abs(weight):.1f} {reason}")


def is_ats_address(address: str) -> bool:
    """True for an applicant-tracking or scheduling-tool sender address."""
    domain = address.rsplit("@", 1)[-1].lower()
    return any(domain == d or domain.endswith("." + d) for d in ATS_DOMAINS)


def _owner_in(addresses: tuple[str, ...], owners: frozenset[str]) -> bool:
    return any(address in owners for address in addresses)


def _event_role(event: CalendarEvent, owners: frozenset[str]) -> str:
    """ "organizer" when the owner organises the event, "attendee" when invited, else "other"."""
    if event.organizer is not None and event.organizer.email in owners:
        return "organizer"
    if _owner_in(tuple(a.email for a in event.attendees), owners):
        return "attendee"
    return "other"


def _check_invites(thread: Thread, owners: frozenset[str], tally: _Tally) -> bool:
    """Weigh the thread's interview invites; whether one invited the owner to an interview."""
    invited = False
    seen: set[str] = set()
    for message in thread.messages:
        for event in message.calendar:
            key = event.uid or event.summary
            if key in seen:
                continue
            seen.add(key)
            wording = f"{event.summary}\n{event.description}"
            if not INTERVIEW_WORDS.search(wording) or _OTHER_EVENT.search(event.summary):
                continue
            role = _event_role(event, owners)
            organizer = event.organizer.email if event.organizer is not None else ""
            own = company_domains(owners)
            if role == "organizer" or (message.direction == "outgoing" and role != "attendee"):
                tally.add(-3.0, f"the owner organises the interview {event.summary!r}")
            elif own and "@" in organizer and registrable_domain(organizer.split("@")[1]) in own:
                summary = event.summary
                tally.add(-3.0, f"a colleague at the owner's organisation organises {summary!r}")
            elif _OTHER_CANDIDATE_SUMMARY.search(event.summary):
                tally.add(-3.0, f"the invite {event.summary!r} names another candidate")
            else:
                tally.add(3.0, f"interview invite {event.summary!r} with the owner as attendee")
                tally.interview_held = invited = True
    return invited


_SENTENCE_END = re.compile(r"[.?!\n]")


def _sentence_of(text: str, match: re.Match[str]) -> str:
    """The sentence (or line) of `text` that `match` lies in."""
    start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, match.start())), default=0)
    end = _SENTENCE_END.search(text, match.end())
    return text[start : end.start() if end is not None else len(text)]


def _arranges(message: Message, context: bool) -> str | None:
    """The phrase by which an incoming message arranges an interview with the owner."""
    text = message.new_text
    wording = f"{message.subject}\n{text}"
    for pattern, needs_context in ((_SCHEDULING, False), (_MEETING, True)):
        if needs_context and not context:
            continue
        for found in pattern.finditer(text):
            if _CONDITIONAL.search(_PREFERENCE.sub("", _sentence_of(text, found))):
                continue
            if (
                needs_context
                or INTERVIEW_WORDS.search(wording)
                or message.calendar
                or APPLICATION.search(wording)
                or ROLE.search(message.subject)
            ):
                return found.group(0)
    if not message.subject.lower().startswith(("re:", "aw:", "antw:", "r:", "réf")):
        in_subject = _SCHEDULING.search(message.subject)
        if in_subject is not None:
            return in_subject.group(0)
    return None


def _media(wording: str) -> re.Match[str] | None:
    """The words saying that `wording` is about a press, podcast or research interview."""
    found = _MEDIA_RESEARCH.search(wording)
    if found is not None:
        return found
    for word in _MEDIA_WORDS.finditer(wording):
        if _MEDIA_CONTEXT.search(_sentence_of(wording, word)):
            return word
    return None


def _other_meeting(wording: str, incoming: bool) -> re.Match[str] | None:
    """The words saying that `wording` arranges some other kind of interview or meeting.

    The words of other meetings count only from the other side: the owner describing their
    own work ("walking you through the clinic-intake redesign") arranges nothing.
    """
    found = _OTHER_INTERVIEW.search(wording)
    if found is not None or not incoming:
        return found
    for word in _OTHER_MEETING_WORDS.finditer(wording):
        if _APPOINTMENT.search(_sentence_of(wording, word)):
            return word
    return None


def _check_messages(
    thread: Thread, owners: frozenset[str], tally: _Tally, invited: bool
) -> None:
    ats = scheduling = thanks = role = recruiter = owner_hiring = declined = False
    interviewer = media = other = not_hiring = bulk = candidate_side = False
    context = any(
        _HIRING_CONTEXT.search(f"{m.subject}\n{m.new_text}") or INTERVIEW_WORDS.search(m.subject)
        for m in thread.messages
        if m.direction == "incoming"
    )
    owner_engaged = any(m.direction == "outgoing" for m in thread.messages)
    for message in thread.messages:
        text = message.new_text
        subject = message.subject
        if message.direction == "incoming":
            sender = message.sender.email if message.sender else ""
            reply_to = tuple(a.email for a in message.reply_to)
            if not ats and (is_ats_address(sender) or any(map(is_ats_address, reply_to))):
                ats = True
                tally.add(1.0, f"applicant-tracking sender {sender}")
            arranged = None if scheduling else _arranges(message, context)
            if arranged is not None:
                scheduling = True
                # A confirmation means the owner booked it (often through an ATS link).
                if owner_engaged or message.calendar or _CONFIRMED.search(text):
                    tally.add(2.5, f"interview arranged with the owner ({arranged!r})")
                    tally.interview_held = True
                else:
                    tally.add(1.0, f"interview offered, the owner never answered ({arranged!r})")
            if not recruiter and _RECRUITER.search(f"{message.signature}\n{text[-400:]}"):
                recruiter = True
                tally.add(0.5, "recruiter signature")
            if not bulk and (
                "list-unsubscribe" in message.headers or _BULK.search(text) is not None
            ):
                bulk = tally.bulk = True
                tally.add(-3.0, "bulk mail: newsletter, job alert or marketing", veto=False)
            if not candidate_side and (found := _CANDIDATE_SIDE.search(text)):
                candidate_side = True
                tally.add(-3.5, f"the other side writes as a candidate ({found.group(0)!r})")
            if not media and (found := _PRESS_SIGNATURE.search(message.signature)):
                media = True
                tally.add(-5.0, f"the other side signs as the press ({found.group(0)!r})")
        else:
            if not thanks and is_thank_you(message):
                thanks = True
                tally.add(1.5, "the owner thanked them after a meeting")
                tally.interview_held = True
            declined = declined or bool(_OWNER_DECLINES.search(text))
            said = None if owner_hiring else _OWNER_HIRING.search(f"{subject}\n{text}")
            if said is not None and (
                not subject.lower().startswith(("re:", "aw:")) or _OWNER_HIRING.search(text)
            ):
                owner_hiring = True
                tally.add(-3.5, f"the owner writes as the hiring side ({said.group(0)!r})")
        if not role and ROLE.search(subject):
            role = True
            tally.add(0.5, f"a role in the subject {subject!r}")
        wording = f"{subject}\n{text}"
        if not interviewer and (found := _INTERVIEWER_NOTICE.search(wording)):
            interviewer = True
            tally.add(-6.0, f"the owner is told what to do as an interviewer ({found.group(0)!r})")
        elif not interviewer and (found := _INTERVIEWER_SIDE.search(wording)):
            interviewer = True
            tally.add(-3.5, f"the owner is on the hiring side ({found.group(0)!r})")
        # The owner speaking of the company's podcast in a thank-you is speaking of the job.
        if not media and message.direction == "incoming" and (found := _media(wording)):
            media = True
            tally.add(-5.0, f"press, podcast or research interview ({found.group(0)!r})")
        if not other and (found := _other_meeting(wording, message.direction == "incoming")):
            other = True
            tally.add(-5.0, f"not a job interview ({found.group(0)!r})")
        if not not_hiring and (found := _NOT_HIRING.search(wording)):
            not_hiring = True
            tally.add(-3.0, f"the other side says there is no opening ({found.group(0)!r})")
    if declined and not thanks and not invited:
        tally.add(-3.0, "the owner turned the approach down before any interview")
    if not ats and not scheduling and not thanks:
        tally.add(-1.0, "no hiring system, no interview arranged, no thank-you")


def detect(thread: Thread, owner_addresses: frozenset[str]) -> Detection:
    """Score `thread` as a candidate interview process; reasons say which rules fired."""
    owners = frozenset(a.lower() for a in owner_addresses)
    tally = _Tally()
    _check_messages(thread, owners, tally, _check_invites(thread, owners, tally))
    # Centred so that one strong positive signal with nothing against it passes the threshold.
    score = 1.0 / (1.0 + math.exp(-(tally.total - 2.0)))
    is_interview = score >= THRESHOLD and tally.interview_held
    return Detection(
        is_interview=is_interview,
        score=round(score, 3),
        reasons=tuple(tally.reasons or ()),
        vetoed=tally.vetoed,
        bulk=tally.bulk,
    )
