"""What one message says, read from its own new text: automatic or not, outcome, asks, thanks.

Phrase tables per language (English, German, French, Spanish), compiled once and matched
case-insensitively against `Message.new_text` (never quoted text). Every function is pure:
it looks at one parsed `Message` and nothing else.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Literal

from tracker.understand.parse import Message
from tracker.understand.phrases import Phrases, any_of

Outcome = Literal["rejected", "offer", "withdrawn"]

_FLAGS = re.IGNORECASE | re.UNICODE


def _any(*phrases: str) -> Phrases:
    """One case-insensitive alternation of regex fragments."""
    return any_of(*phrases, flags=_FLAGS)


# --- automatic mail ------------------------------------------------------------------------

# Out-of-office and vacation notices, by what they say.
_OUT_OF_OFFICE = _any(
    r"\b(?:i am|i'm|i will be|i'll be|currently)\s+(?:currently\s+)?"
    r"(?:out of (?:the )?office|away from (?:the|my) (?:office|desk)|on (?:annual |parental )?"
    r"(?:leave|vacation|holiday|pto)|away|travel+ing|off)\b"
    r"(?=[^.\n]{0,80}\b(?:until|through|till|returning|back|limited access|return))",
    r"\bout of (?:the )?office\b[^.\n]{0,60}\b(?:until|through|till|back|return)",
    r"\b(?:i am|i'm)\s+(?:currently\s+)?out of (?:the )?office\b",
    r"\bwith limited access to (?:e-?mail|my e-?mail)\b",
    r"\bwill (?:be back|return) (?:on|in the office)\b",
    r"\bnicht im büro\b",
    r"\bau(?:ss|ß)er(?: (?:haus|hause))?\b[^.\n]{0,40}\b(?:bis|zurück)\b",
    r"\bbin (?:ich )?(?:bis|vom)\b[^.\n]{0,60}\b(?:abwesend|im urlaub|nicht erreichbar|"
    r"nicht im büro|außer haus)",
    r"\b(?:abwesend|im urlaub)\b[^.\n]{0,60}\bwieder\b",
    r"\babwesenheitsnotiz\b",
    r"\bje suis (?:actuellement )?absente?\b",
    r"\bje serai (?:de retour|absente?)\b",
    r"\ben (?:congés?|vacances)\b[^.\n]{0,60}\b(?:jusqu'au|retour)\b",
    r"\b(?:estoy|estaré) (?:fuera de la oficina|de vacaciones|ausente)\b",
    r"\bfuera de la oficina\b[^.\n]{0,40}\bhasta\b",
)
_BOUNCE = _any(
    r"\bdelivery (?:has )?failed\b",
    r"\bdelivery status notification\b",
    r"\bcould not be delivered\b",
    r"\bwasn't delivered\b|\bwas not delivered\b",
    r"\bundeliverable\b",
    r"\baddress (?:couldn't|could not) be found\b",
    r"\bmailbox (?:unavailable|not found|is full)\b",
    r"\buser unknown\b",
    r"\bkonnte nicht zugestellt werden\b|\bunzustellbar\b",
    r"\bn'a pas pu être (?:remis|distribué)\b|\bnon remis\b",
    r"\bno se (?:ha )?pudo entregar\b|\bno se puede entregar\b",
)
_ACKNOWLEDGEMENT = _any(
    r"\b(?:we(?:'ve| have)?|we've)\s+(?:successfully\s+)?received your (?:job )?application\b",
    r"\bnous vous remercions (?:pour|de) votre candidature\b|\ba bien été (?:reçue|enregistrée)\b",
    r"\byour application (?:has been|was) (?:successfully )?(?:received|submitted)\b",
    r"\bthis (?:e-?mail|message) (?:is to )?confirms? (?:that )?(?:we have )?"
    r"(?:received|receipt of) your application\b",
    r"\bwir haben ihre bewerbung (?:erhalten|bekommen)\b",
    r"\bihre bewerbung ist (?:bei uns )?eingegangen\b",
    r"\beingang ihrer bewerbung\b",
    r"\bnous avons (?:bien )?reçu votre candidature\b",
    r"\bvotre candidature a (?:bien )?été (?:reçue|enregistrée)\b",
    r"\bhemos recibido (?:tu|su) (?:candidatura|solicitud)\b",
    r"\b(?:tu|su) (?:candidatura|solicitud) (?:ha sido|se ha) (?:recibida|registrada|registrado)\b",
    # An applicant-tracking system's receipt for the owner's own message.
    r"\b(?:your (?:message|e-?mail)|it) has been (?:delivered|forwarded|passed on|sent) to the "
    r"(?:hiring|recruiting|recruitment) team\b",
)
# Thanks for applying alone: an acknowledgement only when nothing is arranged or decided.
_WEAK_ACKNOWLEDGEMENT = _any(
    r"\bthank(?:s| you) for (?:applying|your application|submitting your application)\b",
    r"\b(?:vielen )?dank für ihre bewerbung\b",
    r"\bmerci (?:pour|de) votre candidature\b",
    r"\bgracias por (?:tu|su) (?:candidatura|solicitud|postulación|interés)\b",
)
# Words of a meeting being arranged; an acknowledgement that names one only conditionally
# ("if your profile matches, we will invite you") still has a strong phrase above.
_MEETING = _any(
    r"\binterview|\bcall\b|\bmeet\b|\bchat\b|\bscreen\b|\bgespräch|\binterview|\beinladen|"
    r"\bkennenlernen|\bentretien|\béchange|\bentrevista|\bllamada|\breunión|\bconocerte",
)
# Invitations and scheduling: the other side speaking, whatever the sending system.
_INVITATION = _any(
    r"\b(?:would|'d) (?:like|love) to (?:invite you|set up|schedule|arrange|move you|book)\b",
    r"\binvite you (?:to|for) (?:a|an|the|your)\b",
    r"\binvitation (?:for|to) (?:your|a|an|the) [^.\n]{0,40}"
    r"(?:interview|onsite|call|screen|chat|round)\b",
    r"\b(?:your )?interview\b[^.\n]{0,80}\b(?:has been|is) (?:scheduled|confirmed|rescheduled|"
    r"moved|updated|booked)\b",
    r"\b(?:has been|have been|we've|we have) (?:re)?(?:scheduled|rebooked|booked|rescheduled)\b",
    r"\bcould you join\b|\b(?:would|'d) like to meet you\b|\bconfirm(?:o|ing)? (?:la|the|your) "
    r"(?:entrevista|interview)\b|\bdetalles de tu entrevista\b|\bhätten sie zeit\b",
    r"\beinladen\b|\bladen (?:wir )?sie\b[^.\n]{0,80}\bein\b",
    r"\b(?:reply|respond) (?:to this (?:e-?mail|message) )?with your availability\b",
    r"\bplease (?:share|send|let (?:me|us) know) your availability\b",
    r"\binvite you to the (?:next|final) round\b|\bmove you (?:forward )?to the\b",
    r"\bzu einem [^.\n]{0,40}(?:gespräch|interview|termin)\b[^.\n]{0,30}\beinladen\b",
    r"\b(?:laden|möchten) (?:wir )?(?:sie|dich) [^.\n]{0,40}einladen\b|\bladen wir sie\b",
    r"\bihr (?:termin|gespräch|interview)\b[^.\n]{0,60}\b(?:bestätigt|verschoben|geplant)\b",
    r"\bvous (?:inviter|convier) à\b|\bvous proposer un (?:entretien|échange|rendez-vous)\b",
    r"\bvotre entretien\b[^.\n]{0,60}\b(?:est confirmé|a été (?:planifié|déplacé|reprogrammé))",
    r"\b(?:invitarte|invitarle) a\b|\bte (?:invitamos|proponemos)\b",
    r"\btu entrevista\b[^.\n]{0,60}\b(?:está confirmada|ha sido (?:programada|reprogramada))",
)


def automatic_reasons(message: Message) -> tuple[str, ...]:
    """Why `message` is automatic and not a reply from the other side; () for human mail.

    Out-of-office notices, bounces and application acknowledgements count; so do the RFC
    3834 header signals parse found, except bulk/list precedence (recruiting systems send
    real decisions that way). A message that carries a decision, an invitation or
    scheduling is the other side speaking, whatever system sent it. Outgoing mail is never
    automatic.
    """
    if message.direction == "outgoing":
        return ()
    text = _clean(message.new_text)
    subject = _clean(message.subject)
    # RFC 3834 "auto-generated" marks notifications (an ATS decision, a reminder), not
    # replies; "auto-replied" and the auto-responder headers mark replies.
    header_reasons = tuple(
        reason
        for reason in message.auto_reply
        if not reason.startswith(("Precedence:", "subject looks", "Auto-Submitted: auto-gen"))
    )
    subject_reasons = tuple(r for r in message.auto_reply if r.startswith("subject looks"))
    if _BOUNCE.search(text) or (_BOUNCE.search(subject) and header_reasons):
        return ("delivery failure (bounce)", *header_reasons)
    if any(r.startswith(("sender is", "multipart/report")) for r in header_reasons):
        return header_reasons
    if _OUT_OF_OFFICE.search(text):
        return ("out-of-office notice", *header_reasons, *subject_reasons)
    reasons: tuple[str, ...] = ()
    if _ACKNOWLEDGEMENT.search(text) or (
        _WEAK_ACKNOWLEDGEMENT.search(text) and not _MEETING.search(text)
    ):
        reasons = ("application acknowledgement", *header_reasons)
    elif header_reasons:
        reasons = (*header_reasons, *subject_reasons)
    elif subject_reasons and (not text.strip() or _OUT_OF_OFFICE.search(subject)):
        reasons = subject_reasons
    # Asked last, as it is the costliest question and matters only for mail that looks
    # automatic: most human mail is known to be human without it.
    if reasons and _speaks(text):
        return ()
    return reasons


def _speaks(text: str) -> bool:
    """True when the text is the other side deciding, inviting or scheduling."""
    return any(_states(pattern, text) for pattern in (_INVITATION, _REJECTION, _OFFER))


# "If you do not hear from us within 30 days, you have not been selected" decides nothing.
_CONDITIONAL = re.compile(
    r"^(?:if|should|unless|falls|wenn|sollten|si|en caso|au cas)\b|\b(?:if|si|falls|wenn) "
    r"(?:you )?(?:do not|don't|no|nicht|ne|n')\b",
    _FLAGS,
)


def _states(pattern: Phrases, text: str) -> bool:
    """True when a sentence of `text` matches `pattern` and is not a mere condition."""
    # One search over the whole text first: most mail says none of it, and splitting it into
    # sentences only to find nothing was the analysis pass's largest cost.
    if not pattern.search(text):
        return False
    return any(
        pattern.search(sentence) and not _CONDITIONAL.search(sentence)
        for sentence in _sentences(text)
    )


# Sentence ends, but not the dot of a date ("am 31. August") or an abbreviation ("Dr.").
_SENTENCE_END = re.compile(r"(?<=[^\d\s][.!?])(?<!\bdr\.)(?<!\bmr\.)(?<!\bms\.)\s+|\n\s*\n", _FLAGS)


def _sentences(text: str) -> list[str]:
    return [_clean(part) for part in _SENTENCE_END.split(text.replace("\r", "")) if part.strip()]


# --- out-of-office return date ---------------------------------------------------------------

_MONTHS = {
    # English
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
    # German
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "mai": 5, "juni": 6,
    "juli": 7, "oktober": 10, "okt": 10, "dezember": 12, "dez": 12,
    # French
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12,
    # Spanish
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12,
}  # fmt: skip
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4,
    "samstag": 5, "sonntag": 6, "lundi": 0, "mardi": 1, "mercredi": 2, "jeudi": 3,
    "vendredi": 4, "samedi": 5, "dimanche": 6, "lunes": 0, "martes": 1, "miércoles": 2,
    "miercoles": 2, "jueves": 3, "viernes": 4, "sábado": 5, "sabado": 5, "domingo": 6,
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
# Where the return is announced; the date follows within a few words.
_RETURN_CUE = (
    r"(?:\bback\b|\breturn(?:ing)?\b|\bin the office\b|\buntil\b|\btill\b|\bthrough\b|"
    r"\bwieder\b|\bzurück\b|\bbis\b|\bab\b|\bde retour\b|\bretour\b|\bjusqu'(?:au|à)\b|"
    r"\bvolveré\b|\bregreso\b|\bregresaré\b|\bde vuelta\b|\bhasta\b|\breincorporo\b)"
)
_DATE = (
    rf"(?:(?P<wd>{_WEEKDAY})\b,?\s*(?:(?:the|den|le|el)\s+)?|(?=\d|{_MONTH}))"
    r"(?:"
    rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th|er)?\.?\s*(?:of\s+|de\s+)?(?P<m1>{_MONTH})\b\.?"
    r"(?:,?\s*(?:de\s+)?(?P<y1>\d{4}))?"
    rf"|(?P<m2>{_MONTH})\b\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s*(?P<y2>\d{{4}}))?"
    r"|(?P<d3>\d{1,2})[./](?P<m3>\d{1,2})(?:[./](?P<y3>\d{2,4}))?\b\.?"
    r")?"
)
_RETURN_DATE = re.compile(
    rf"{_RETURN_CUE}(?:\s+(?:on|am|dem|le|el|the|me|zum|ab|al|to|den|de|nous|ich|je|im|"
    rf"büro|office|serai|estaré|wieder|erreichbar|bin|einschließlich|inclusive)\b|[\s,:])*?{_DATE}",
    _FLAGS,
)
_INCLUSIVE = re.compile(r"\beinschließlich\b|\binclusive\b|\binclus\b|\bincluido\b", _FLAGS)


def out_of_office_return(message: Message) -> date | None:
    """The return date an out-of-office notice states, or None.

    A date without a year takes the message's year, or the next year when that would fall
    before the message ("back on 4 January" sent in December). A weekday alone ("back on
    Monday") is the next such day after the message. "Until ... inclusive" returns the day
    after.
    """
    text = _clean(message.new_text)
    if not _OUT_OF_OFFICE.search(text) and not _OUT_OF_OFFICE.search(_clean(message.subject)):
        return None
    sent = message.date.date() if message.date is not None else None
    for match in _RETURN_DATE.finditer(text):
        found = _resolve(match, sent)
        if found is None:
            continue
        tail = text[match.end() : match.end() + 30]
        if _INCLUSIVE.search(match.group(0)) or _INCLUSIVE.search(tail):
            found += timedelta(days=1)
        return found
    return None


def _resolve(match: re.Match[str], sent: date | None) -> date | None:
    """The date a `_DATE` match names, anchored on the message's date."""
    day_text = match.group("d1") or match.group("d2") or match.group("d3")
    if day_text is None:
        weekday = match.group("wd")
        if weekday is None or sent is None:
            return None
        ahead = (_WEEKDAYS[weekday.lower()] - sent.weekday()) % 7 or 7
        return sent + timedelta(days=ahead)
    month_name = match.group("m1") or match.group("m2")
    month = _MONTHS[month_name.lower()] if month_name else int(match.group("m3"))
    year_text = match.group("y1") or match.group("y2") or match.group("y3")
    day = int(day_text)
    if year_text is not None:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    elif sent is not None:
        year = sent.year
    else:
        return None
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    if year_text is None and sent is not None and found < sent:
        try:
            found = date(year + 1, month, day)
        except ValueError:
            return None
    return found


# --- outcomes --------------------------------------------------------------------------------

_REJECTION = _any(
    r"\b(?:move|moving|go|going|proceed|proceeding|continue|continuing) forward with "
    r"(?:other|another|a different|the other) (?:candidates?|applicants?|profiles?)\b",
    r"\b(?:decided|chosen|opted|elected) (?:not to|to not) (?:proceed|move forward|progress|"
    r"advance|continue|pursue)\b",
    r"\bnot (?:to )?(?:be )?(?:moving|proceeding|progressing) (?:forward )?with your\b",
    r"\b(?:will|won't|will not|are not|aren't|cannot|can't|unable to) (?:be )?"
    r"(?:moving|move|proceed(?:ing)?|progress(?:ing)?|advanc(?:e|ing)) (?:forward )?with "
    r"your (?:application|candidacy)\b",
    r"\bnot (?:be )?moving forward\b",
    r"\b(?:decided|chosen) to (?:pursue|proceed with|go with|move ahead with|continue with) "
    r"(?:other|another|a different)\b",
    r"\bposition has (?:now )?been filled\b|\brole has (?:now )?been filled\b",
    r"\bregret to inform you\b|\b(?:decided|chosen) to (?:move forward|go|proceed) with "
    r"(?:a|an|another) (?:internal )?(?:candidate|applicant)\b",
    r"\bsich für (?:eine|einen) (?:andere|anderen|interne|internen)\w* \w+ entschieden\b",
    r"\bretenu (?:un|une) autre (?:profil|candidat|candidature)\b",
    r"\bnot (?:been )?selected\b",
    r"\bwill not be (?:extending|making) (?:you )?an offer\b",
    r"\bunfortunately,? (?:we|the team|the hiring team) (?:have|has|will|won't|are|cannot|can't)"
    r"[^.\n]{0,60}\b(?:not|other|another|unable|no longer)\b",
    # "Ihnen absagen" turns the owner down; "den Termin absagen" only cancels a meeting.
    r"\bleider\b[^.\n]{0,160}\b(?:nicht (?:berücksichtigen|weiter|mehr)|(?:ihnen|dir)\b"
    r"(?:(?!termin|treffen)[^.\n]){0,40}\babsagen|"
    r"absage\b|für (?:eine|einen) (?:andere|anderen) (?:kandidat|bewerber)|anderweitig)",
    r"\bfür (?:eine|einen) (?:andere|anderen) (?:kandidat|bewerber)\w* entschieden\b",
    r"\bstelle (?:wurde |ist )?(?:bereits )?(?:anderweitig )?besetzt\b",
    r"\bnicht in die engere wahl\b|\bkeine positive rückmeldung\b",
    r"\bne (?:pouvons|pourrons) pas donner (?:une )?suite (?:favorable )?\b",
    r"\bpas (?:pu )?(?:être |été )?retenue?\b|\bne sera pas retenue?\b",
    r"\bpoursuivre (?:le processus )?avec (?:un|une|d'autres) (?:autre )?(?:candidat|profil)",
    r"\b(?:poste|position) a (?:déjà )?été pourvue?\b",
    r"\bavons le regret de vous informer\b",
    r"\bcontinuar con otros? (?:candidatos?|perfiles?)\b",
    r"\b(?:no|ya no) (?:vamos a|podemos) (?:continuar|avanzar|seguir) con (?:tu|su) "
    r"(?:candidatura|proceso|solicitud)\b",
    r"\bhemos decidido no (?:continuar|avanzar|seguir)\b",
    r"\bno has? sido seleccionad[oa]\b|\bpuesto (?:ya )?ha sido cubierto\b",
    r"\blamentamos (?:comunicarte|informarte|comunicarle|informarle)\b",
    # Wordings found beyond the first corpus (session 3): the role went to someone else.
    r"\boffer(?:ed)? the (?:role|position|job|post) to (?:another|a different|an internal|"
    r"the other|someone)\b",
    r"\b(?:extend|make|made|extended)(?:ed)? (?:an|the) offer to (?:another|a different|"
    r"an internal|the other|someone)\b",
    r"\b(?:another|a different|the other) (?:finalist|candidate|applicant|person)\b[^.\n]{0,80}"
    r"\b(?:closer|better|stronger)\s+(?:fit|match)\b",
    r"\b(?:decided|chosen|opted|elected) to (?:go|move|proceed|continue) (?:ahead |forward )?"
    r"with (?:another|a different|other|an internal|someone)\b",
    r"\b(?:decided|chosen|opted) to (?:hire|appoint|select|choose|offer) (?:another|a different|"
    r"an internal|someone else|a candidate)\b",
    r"\b(?:gone|went|going) with (?:another|a different|an internal) "
    r"(?:candidate|applicant|person)\b",
    r"\b(?:another|other|a different) (?:candidate|applicant)s?\b[^.\n]{0,80}\b(?:closer|better|"
    r"stronger|more closely)\b",
    r"\b(?:won't|will not|not) (?:be )?(?:taking|moving) your application (?:any )?further\b",
    r"\bnot (?:to )?take your application (?:any )?further\b",
    r"\b(?:chose|chosen|selected|picked|appointed|hired) (?:a|another|an internal) "
    r"(?:candidate|applicant)\b",
    r"\b(?:sommes|suis) au regret de vous (?:informer|annoncer)\b",
    r"\bretenu une (?:autre )?candidature\b",
    r"\bnot (?:to )?(?:progress|advance)(?:ing)? your (?:application|candidacy)\b",
    r"\b(?:won't|will not|cannot|can't|unable to) (?:be )?(?:progress|advanc)(?:e|ing)? your "
    r"(?:application|candidacy)\b",
    r"\b(?:won't|will not|cannot|can't|are not|aren't) (?:be )?(?:moving|taking|progressing|"
    r"advancing) your (?:application|candidacy) (?:to|forward|further|any further)\b",
    r"\b(?:decided|chosen|opted) to (?:progress|proceed|continue|go ahead) with (?:other|"
    r"another|a different|different) (?:applicants?|candidates?|profiles?|people)\b",
    r"\bne donner(?:ons|ont|a) pas (?:de )?suite\b",
    r"\b(?:decided|chosen|opted) to (?:proceed|continue|move forward|go ahead|progress) with "
    r"(?:candidates?|applicants?|profiles?|people|someone) (?:whose|who|that|with)\b",
    r"\b(?:decided|chosen|opted) to (?:go|proceed|continue|move forward) with the other "
    r"(?:finalist|candidate|applicant|person)\b|\b(?:another|the other|a different) finalist\b",
    # The closing formulas of rejections, which no offer or update ends with.
    r"\b(?:wish|wishing) you (?:the very best|all the best|the best of luck|(?:every|much) "
    r"success|luck)\b[^.\n]{0,30}\b(?:in|with) your (?:job )?(?:search|future endeavou?rs)\b",
    r"\bfür ihren weiteren (?:beruflichen )?(?:weg|lebensweg)\b[^.\n]{0,40}\b(?:alles gute|"
    r"viel erfolg)\b|\b(?:alles gute|viel erfolg)\b[^.\n]{0,40}\bfür ihren weiteren "
    r"(?:beruflichen )?(?:weg|lebensweg)\b",
    r"\bdie (?:stelle|position) (?:mit (?:einer|einem) (?:anderen )?(?:kandidat|bewerber)\w*|"
    r"anderweitig) zu besetzen\b",
    r"\bsouhaitons (?:pleine |beaucoup de )?(?:réussite|succès) dans (?:vos|la suite de vos) "
    r"(?:recherches|démarches)\b",
    r"\b(?:te|le) deseamos (?:mucho )?éxito en (?:tu|su) búsqueda\b",
    r"\b(?:position|role|vacancy|opening|requisition) has (?:now )?been (?:put on hold|"
    r"cancell?ed|closed|withdrawn)\b",
    r"\b(?:sorry|regret|unfortunately)\b[^.\n]{0,160}\bon this occasion\b",
    r"\bon this occasion\b[^.\n]{0,80}\b(?:not|unsuccessful|another|other)\b",
    r"\b(?:have been|were|was) unsuccessful\b",
    r"\b(?:decided|chosen) not to (?:offer|extend|make)\b",
    r"\bno longer (?:being )?considered\b|\bnot be considered further\b",
    r"\b(?:für|zugunsten) (?:eine[nr]?|einen) (?:andere[nr]?|interne[nr]?) "
    r"(?:kandidat|bewerber|person)\w*\b",
    r"\buns für (?:eine[nr]?|einen) (?:kandidat|bewerber)\w* entschieden\b",
    r"\b(?:decided|chosen|opted) to (?:go|move|proceed|continue) (?:ahead |forward )?with "
    r"(?:a|one) (?:candidate|applicant)\b",
    r"\bretenu (?:un|une) (?:autre )?(?:candidat|candidate|profil)\b",
    r"\b(?:keine zusage|eine absage)\b|\bnicht (?:weiter )?(?:berücksichtigen|verfolgen)\b",
    r"\b(?:gegen sie|nicht für sie) entschieden\b",
    r"\bne (?:pas )?(?:pouvons |pourrons |allons )?(?:pas )?donner suite\b",
    r"\bchoisi (?:un|une) autre (?:candidat|candidate|profil|personne)\b",
    r"\bdécidé de ne pas (?:poursuivre|donner suite|retenir)\b",
    r"\bréponse (?:négative|défavorable)\b",
    r"\b(?:continuar|seguir|avanzar) con (?:otr[oa]s?|un[ao] otr[oa]) "
    r"(?:candidat[oa]s?|perfil(?:es)?|personas?)\b",
    r"\b(?:seleccionado|elegido|escogido) a (?:un[ao] )?(?:otr[oa] )?"
    r"(?:candidat[oa]|persona|perfil)\b",
    r"\botr[oa] (?:candidat[oa]|perfil)\b[^.\n]{0,80}\b(?:más|mejor)\b",
    r"\bno (?:seguirá|seguiremos|continuaremos|avanzaremos) (?:adelante )?con (?:tu|su) "
    r"(?:candidatura|proceso|solicitud)\b",
)
_OFFER = _any(
    r"\b(?:pleased|delighted|happy|excited|thrilled|glad)\s+to (?:extend |make )?"
    r"(?:(?:you )?an? )?(?:formal |verbal |written )?offer\b",
    r"\b(?:like|love|pleased|happy|delighted|want|wants|going) to offer you\b",
    r"\ban bord (?:holen|begrüßen)\b|\bim team begrüßen\b",
    r"\boffer you the (?:position|role|job)\b|\boffer details\b|\bdiscuss (?:the|an) offer\b",
    r"\b(?:love|like|happy) to have you (?:join|on board|aboard)\b",
    r"\bextend(?:ing)? (?:you )?an? (?:formal |verbal |written )?offer\b",
    r"\boffer letter\b|\bwritten offer\b|\bformal offer\b|\boffer package\b",
    r"\b(?:ein|das) (?:schriftliches |offizielles )?(?:vertrags)?angebot\b",
    r"\bvertragsangebot\b|\bvertragsentwurf\b|\bzusage für die stelle\b",
    r"\bproposition d'embauche\b|\bpromesse d'embauche\b|\blettre d'offre\b",
    r"\bvous (?:faire|proposer|adresser|transmettre) une (?:proposition|offre)\b",
    r"\bvous proposer le poste\b",
    r"\b(?:ofrecerte|ofrecerle) (?:el puesto|la posición|el trabajo|una oferta|el cargo|la plaza|"
    r"la vacante)\b",
    r"\b(?:hacerte|hacerle|enviarte|enviarle|extenderte) (?:una|la) oferta\b",
    r"\bcarta (?:de )?oferta\b|\boferta formal\b|\boferta (?:por escrito|de contrato)\b",
)
_WITHDRAWAL = _any(
    r"\b(?:decided|like|want|wish|need) to withdraw\b",
    r"\bwithdraw(?:ing)? (?:my (?:application|candidacy)|from (?:consideration|the process))\b",
    r"\b(?:accepted|accept|taken|signed) (?:another|an(?:other)? offer elsewhere|a different)"
    r"(?: offer| role| position)?\b",
    r"\baccepted an offer (?:elsewhere|from another|with another|at another)\b",
    r"\bno longer (?:be )?(?:interested|pursuing|available for the (?:role|position))\b",
    r"\bziehe (?:ich )?meine bewerbung\b[^.\n]{0,40}\bzurück\b",
    r"\bmeine bewerbung (?:hiermit )?zurück(?:zu)?ziehen\b",
    r"\b(?:ein )?anderes (?:angebot|stellenangebot) angenommen\b",
    r"\bretirer ma candidature\b|\bje retire ma candidature\b",
    r"\baccepté une autre (?:offre|proposition)\b",
    r"\bretirar mi candidatura\b|\bretiro mi candidatura\b|\bretirarme del proceso\b",
    r"\baceptado otra oferta\b|\baceptado una oferta\b",
)


def outcome_of(message: Message) -> Outcome | None:
    """The decision `message` announces: rejected or offer (incoming), withdrawn (outgoing)."""
    text = _clean(message.new_text)
    if message.direction == "outgoing":
        return "withdrawn" if _WITHDRAWAL.search(text) else None
    if automatic_reasons(message):
        return None
    if _states(_REJECTION, text):
        return "rejected"
    if _states(_OFFER, text):
        return "offer"
    return None


# --- requests to the owner -------------------------------------------------------------------

# Sign-offs that offer help rather than ask for anything.
_POLITENESS = _any(
    r"\bif you (?:have|'ve got) (?:any )?(?:further |other |more )?(?:questions|concerns)\b",
    r"\bshould you have any\b|\bany questions\b|\bif anything (?:comes up|changes)\b",
    r"\bif (?:there's|there is) anything (?:else )?(?:i|we) can\b",
    r"\bdon't hesitate\b|\bdo not hesitate\b|\bfeel free\b",
    r"\bif (?:that|this) (?:doesn't|does not) work\b|\bneed to make a change\b",
    r"\bif you need (?:anything|to)\b",
    r"\b(?:bei|für) (?:weiteren |etwaigen )?(?:fragen|rückfragen)\b|\bwenn sie (?:noch )?fragen\b",
    r"\bsi vous avez (?:des|la moindre) questions?\b|\bn'hésitez pas\b",
    r"\bsi (?:tienes|tiene|tenés) (?:alguna |cualquier )?(?:duda|pregunta)\b|\bno dudes\b",
    r"\bno dude en\b",
)
_REQUEST = _any(
    r"\b(?:could|can|would) you (?:please |kindly )?(?:send|share|provide|confirm|let|tell|"
    r"give|fill|complete|sign|forward|reply|book|pick|choose|select|join|do|make|be|come|"
    r"suggest|propose|get back|update)\b",
    r"\blet (?:me|us) know either way\b",
    r"\bkindly (?:send|share|provide|confirm|submit|forward|complete|fill|sign|return|let)\b",
    r"\bplease (?:send|share|provide|confirm|let (?:me|us) know|reply|fill|complete|sign|review|"
    r"book|pick|choose|select|submit|return|forward|advise|schedule|use)\b",
    r"\blet (?:me|us) know (?:your|when|what|which|whether|if you(?:'re| are) (?:available|"
    r"free|still|ok|okay|happy|interested|able)|by)\b",
    r"\b(?:what|when) (?:is|are|would|works)\b[^?]*\?",
    r"\byour (?:availability|salary expectations?|expected salary|notice period|references)\b",
    r"\b(?:salary|compensation) expectations?\b",
    r"\b(?:könnten|können|würden) sie (?:mir|uns)?\b",
    r"\bbitte (?:senden|schicken|teilen|bestätigen|geben|lassen|füllen|nennen)\b",
    r"\b(?:senden|schicken|teilen|nennen|geben) sie (?:mir|uns)\b",
    r"\bgehaltsvorstellung\w*\b|\bkündigungsfrist\b|\breferenzen\b",
    r"\bpourriez-vous\b|\bpouvez-vous\b|\bmerci de (?:me|nous) (?:faire|transmettre|envoyer|"
    r"confirmer|indiquer|communiquer)\b|\bvos disponibilités\b|\bprétentions salariales\b",
    r"\b(?:podrías|podría|puedes|puede) (?:enviar|enviarme|enviarnos|confirmar|confirmarme|"
    r"indicar|indicarme|decirme|compartir|mandar|mandarme)\b",
    r"\bpor favor,? (?:envía|envíe|confirma|confirme|indica|indique|comparte|comparta|"
    r"rellena|completa)\b|\btu disponibilidad\b|\bsu disponibilidad\b|\bexpectativas salariales\b",
)
# A question that is a heading or a conditional offer of help, not something to answer.
_NOT_A_QUESTION = _any(
    r"^(?:need|want|can't|cannot|questions|any questions|fragen|des questions|¿dudas)\b",
    r"\bhow likely are you to recommend\b",
)
_LIST_ITEM = re.compile(r"^(?:\d{1,2}[.)]|[-*•])\s")


def asks_owner(message: Message) -> bool:
    """True when an incoming human message asks the owner to do or answer something."""
    if message.direction == "outgoing" or automatic_reasons(message):
        return False
    # A numbered list of questions (an interview kit) asks nothing of the reader.
    kept = "\n".join(
        line for line in message.new_text.splitlines() if not _LIST_ITEM.match(line.strip())
    )
    for sentence in _sentences(kept):
        if _POLITENESS.search(sentence) or _NOT_A_QUESTION.search(sentence):
            continue
        if _REQUEST.search(sentence) or sentence.endswith("?"):
            return True
    return False


# --- the owner's own messages ------------------------------------------------------------------

_THANKS = _any(
    r"\bthank(?:s|ing| you)\b|\bgrateful\b|\bappreciate[ds]?\b",
    r"\bdank\w*\b|\bbedanken\b",
    r"\bmerci\b|\bremercie\w*\b|\bremercier\b",
    r"\bgracias\b|\bagradec\w*\b|\bagradezco\b",
)
_CONVERSATION = _any(
    r"\binterview\w*\b|\bconversation\b|\bchat\b|(?<!-)\bcall\b|\bdiscussion\b|\bmeeting\b|"
    r"\bpanel\b|\bonsite\b|\bon-site\b|\bscreen\b|\bspeak(?:ing)? with me\b|\btalk(?:ing)?\b|"
    r"\byour time\b|\bthe time\b|\bhosting me\b|\bmeeting (?:me|with me)\b|\benjoyed\b|"
    r"\bround\b|\bsession\b|\bhaving me\b|\bwalking me through\b|\bmeeting the team\b|"
    r"\bdebrief\b|\bfor (?:this|yesterday) (?:morning|afternoon|evening)\b|"
    r"\bfor (?:today|yesterday)\b|\byesterday's\b|\btoday's\b|\bwent (?:really |very )?well\b|"
    r"\btalked\b|\bspoke\b|\baccommodating me\b|"
    r"\b(?:chance|opportunity) to (?:speak|talk|meet|interview)\b|"
    r"\b(?:spending|spent) (?:the|this|some|your) (?:morning|afternoon|time|hour)\b|"
    r"\bwith me today\b|\bhad a (?:great|wonderful|lovely|good|really good) time\b|"
    r"\bfor organi[sz]ing (?:today|this|the|everything)\b|\ba lot of fun\b",
    r"\b\w*gespräch\w*\b|\btelefonat\w*\b|\bfür die zeit\b|"
    r"\baustausch\b|\binterview\b|\bihre zeit\b|\bkennenlernen\b|"
    r"\bfür (?:heute|gestern)\b|\bheutige\w*\b|\bgestrige\w*\b|\bheute\b|"
    r"\b(?:fach|gesprächs|interview|auswahl)runde\b|\b(?:ersten|zweiten|finalen) runde\b",
    r"\béchange\w*\b|\bentretien\w*\b|\bentrevue\b|\bvotre temps\b|\bconversation\b|\brencontre\b|"
    r"\bvotre accueil\b|\bvisite\b|\bpour (?:ce matin|cet après-midi|aujourd'hui|hier)\b",
    r"\bentrevista\b|\bconversación\b|\bcharla\b|\b(?:tu|su) tiempo\b|\breunión\b|\bllamada\b|"
    r"\brecibirme\b|\bconocer al equipo\b|\bpor (?:lo de )?(?:hoy|ayer|esta mañana|esta tarde)\b|"
    r"\bpor el tiempo\b|\bel tiempo de (?:hoy|ayer)\b|\bel espacio\b|\besta (?:mañana|tarde)\b",
)
# Replies that only arrange a meeting: "thanks, Tuesday works", "confirmed for 2pm".
_SCHEDULING_REPLY = _any(
    r"\bworks (?:well |great |fine )?for me\b|\b(?:i'm|i am) (?:available|free)\b",
    r"\bconfirmed for\b|\bi(?:'ve| have) accepted\b|\baccepted the invite\b|\bsee you (?:on|then|"
    r"there|next)\b|\btalk to you (?:on|then)\b|\blook(?:ing)? forward to (?:speaking|meeting|"
    r"talking|the (?:interview|call|conversation|chat))\b",
    r"\bthank(?:s| you) for the invitation\b|\bthanks for reaching out\b",
    r"\b(?:bestätige|nehme) (?:ich )?(?:den|diesen) termin\b|\btermin\b[^.\n]{0,40}"
    r"\b(?:bestätige|wahr)\b|\bpasst mir\b|\bdank für die einladung\b",
    r"\bje confirme\b|\bme convient\b|\bmerci pour l'invitation\b",
    r"\bme viene bien\b|\bconfirmo\b|\bgracias por la invitación\b",
    # The owner thanking a candidate (the owner as the interviewer) is not a thank-you.
    r"\bfor interviewing with us\b|\bfor applying\b|\byour application\b|\bihre bewerbung\b|"
    r"\bvotre candidature\b|\btu candidatura\b|\bte daremos una respuesta\b",
)


def is_thank_you(message: Message) -> bool:
    """True when an outgoing message thanks the other side for an interview or their time."""
    if message.direction != "outgoing":
        return False
    text = _clean(message.new_text)
    if not _THANKS.search(text) or not _CONVERSATION.search(text):
        return False
    if is_checkin(message) or outcome_of(message) is not None:
        return False
    return not _SCHEDULING_REPLY.search(text)


_CHECKIN = _any(
    r"\bcheck(?:ing)? in\b|\bchecking back\b|\bany (?:update|news)\b|\ban update\b",
    r"\bfollow(?:ing)?[ -]up on\b(?! (?:anything|any questions|that|this|those|them|it)\b)"
    r"|\bfollow(?:ing)? up (?:regarding|about|to see)\b",
    r"\b(?:status|state) of (?:my|the)\b|\bwhere things stand\b|\bhow things (?:are|stand)\b",
    r"\bwhether a decision has been made\b|\bupdate on (?:my|the)\b|\bheard? (?:back|anything)\b",
    r"\bif there'?s any news\b",
    r"\bneuigkeiten\b|\b(?:aktuellen )?stand (?:des|der|meiner|ihres)\b|\bnachfragen\b|"
    r"\berkundigen\b|\bzwischenstand\b|\bnachhaken\b|\bob (?:inzwischen|bereits|schon) eine "
    r"entscheidung\b",
    r"\bje me permets de revenir vers vous\b|\bdes nouvelles\b|\boù en est\b|\bl'avancement\b|"
    r"\bpoint sur\b",
    r"\bnovedades\b|\bsaber si hay\b|\b(?:estado|situación) del? (?:mi |el |la )?"
    r"(?:proceso|candidatura|selección|solicitud)\b|"
    r"\bhacer seguimiento\b",
)


def is_checkin(message: Message) -> bool:
    """True when an outgoing message asks about the status of the owner's application."""
    if message.direction != "outgoing":
        return False
    text = _clean(message.new_text)
    if _WITHDRAWAL.search(text):
        return False
    return bool(_CHECKIN.search(text))


def _clean(text: str) -> str:
    """One line, typographic apostrophes made plain, so the phrase tables stay simple."""
    return " ".join(text.replace("\u2019", "'").replace("\u00a0", " ").split())
