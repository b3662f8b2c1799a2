"""Stated timelines: the phrase and its due date per tests/corpus/CONVENTIONS.md, as a table.

2026 calendar used below: Nov 2 Mon, Nov 6 Fri, Nov 11 Wed (Veterans Day / Armistice),
Nov 26 Thu (Thanksgiving), Oct 3 Sat (German Unity), Oct 12 Mon (Spain), Dec 8 Tue (Spain),
Dec 25 Fri, Dec 26 Sat, Jan 1 2027 Fri.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.understand.timeline import StatedTimeline, find_timeline

NONE = "<no promise>"


def sent(stamp: str) -> datetime:
    """A message date: "2026-11-02" (10:00 UTC) or a full ISO timestamp with its offset."""
    if "T" in stamp:
        return datetime.fromisoformat(stamp)
    return datetime.fromisoformat(stamp + "T10:00:00+00:00")


# (text, sent, country, expected phrase or NONE, expected due or None for vague)
# fmt: off
CASES: list[tuple[str, str, str | None, str, str | None]] = [
    # --- English: weekdays -------------------------------------------------------------
    ("We will get back to you by Friday.", "2026-11-02", "US", "by Friday", "2026-11-06"),
    ("We'll get back to you by Friday.", "2026-11-06", "US", "by Friday", "2026-11-13"),
    ("I will write to you\nby Friday the 27th.", "2026-11-17", "US", "by Friday the 27th",
     "2026-11-27"),
    ("I'll email you by the 20th.", "2026-11-16", "US", "by the 20th", "2026-11-20"),
    ("You will hear from us by Friday.", "2026-11-07", "US", "by Friday", "2026-11-13"),
    ("You'll hear from us this Friday.", "2026-11-08", "US", "this Friday", "2026-11-13"),
    ("We expect to have a decision by Monday.", "2026-11-25", "US", "by Monday", "2026-11-30"),
    ("We will make a decision by Friday the 13th.", "2026-11-02", "US",
     "by Friday the 13th", "2026-11-13"),
    ("Our team will get back to you by the 14th.", "2026-11-20", "US", "by the 14th",
     "2026-12-14"),
    ("Our team will get back to you by the 14th.", "2026-11-14", "US", "by the 14th",
     "2026-11-14"),
    ("We will let you know by the 31st.", "2026-11-05", "US", "by the 31st", "2026-12-31"),
    ("We will let you know by November 27.", "2026-11-02", "US", "by November 27",
     "2026-11-27"),
    # --- English: weeks ----------------------------------------------------------------
    ("We will get back to you by the end of this week.", "2026-11-02", "US",
     "by the end of this week", "2026-11-06"),
    ("We will get back to you by the end of the week.", "2026-11-06", "US",
     "by the end of the week", "2026-11-06"),
    ("We will get back to you by the end of the week.", "2026-11-07", "US",
     "by the end of the week", "2026-11-13"),
    ("We will get back to you by the end of next week.", "2026-11-02", "US",
     "by the end of next week", "2026-11-13"),
    ("We will get back to you by the end of next week.", "2026-11-08", "US",
     "by the end of next week", "2026-11-13"),
    ("We'll update you next week.", "2026-11-19", "US", "next week", "2026-11-27"),
    ("We should have feedback early next week.", "2026-11-06", "US", "early next week",
     "2026-11-10"),
    ("We should have feedback mid next week.", "2026-11-06", "US", "mid next week",
     "2026-11-11"),
    ("The team will share feedback early next week.", "2026-12-31", "US", "early next week",
     "2027-01-05"),
    # --- English: counted days ---------------------------------------------------------
    ("We will get back to you within 5 days.", "2026-11-02", "US", "within 5 days",
     "2026-11-07"),
    ("You will hear back in 10 days.", "2026-11-12", "US", "in 10 days", "2026-11-22"),
    ("We will get back to you within a week.", "2026-10-27", "US", "within a week",
     "2026-11-03"),
    ("We will get back to you in the next week.", "2026-11-25", "US", "in the next week",
     "2026-12-02"),
    ("We will reach a decision within two weeks.", "2026-11-11", "GB", "within two weeks",
     "2026-11-25"),
    ("Expect an update in the next two weeks.", "2026-10-06", "US", "in the next two weeks",
     "2026-10-20"),
    ("We'll get back to you within 10 days.", "2026-12-28", "US", "within 10 days",
     "2027-01-07"),
    # --- English: business days --------------------------------------------------------
    ("We will get back to you within 5 business days.", "2026-11-23", "US",
     "within 5 business days", "2026-12-01"),
    ("You will hear from us within 5-7 business days.", "2026-11-06", "US",
     "within 5-7 business days", "2026-11-18"),
    ("You will hear from us within 5-7 business days.", "2026-11-06", "GB",
     "within 5-7 business days", "2026-11-17"),
    ("We'll respond within 3 business days.", "2026-11-27", "US", "within 3 business days",
     "2026-12-02"),
    ("We'll respond within 3 business days.", "2026-11-28", "US", "within 3 business days",
     "2026-12-02"),
    ("We'll respond within 3 business days.", "2026-11-29", "US", "within 3 business days",
     "2026-12-02"),
    ("We'll respond within 2 working days.", "2026-12-24", "GB", "within 2 working days",
     "2026-12-30"),
    ("We'll respond within 2 working days.", "2026-12-24", "XX", "within 2 working days",
     "2026-12-28"),
    ("We'll respond within 2 working days.", "2026-12-24", None, "within 2 working days",
     "2026-12-28"),
    # --- English: months ---------------------------------------------------------------
    ("We will decide by the end of the month.", "2026-11-10", "US", "by the end of the month",
     "2026-11-30"),
    ("We will decide by the end of the month.", "2027-02-10", "US", "by the end of the month",
     "2027-02-28"),
    ("We will decide by the end of the month.", "2026-12-15", "US", "by the end of the month",
     "2026-12-31"),
    ("We will decide by the end of next month.", "2026-10-15", "GB",
     "by the end of next month", "2026-11-30"),
    ("We will decide by the end of next month.", "2026-12-03", "GB",
     "by the end of next month", "2027-01-31"),
    ("We will decide by the end of next month.", "2027-01-30", "GB",
     "by the end of next month", "2027-02-28"),
    ("We hope to make a decision by mid-December.", "2026-11-02", "US", "by mid-December",
     "2026-12-15"),
    ("We hope to make a decision by mid-December.", "2026-12-20", "US", "by mid-December",
     "2027-12-15"),
    ("We expect a decision in early December.", "2026-11-02", "US", "in early December",
     "2026-12-05"),
    ("We expect a decision by the end of December.", "2026-11-02", "US",
     "by the end of December", "2026-12-31"),
    ("We will get back to you after the holidays.", "2026-11-20", "US",
     "after the holidays", "2027-01-04"),
    ("We will get back to you after the holidays.", "2026-12-18", "US",
     "after the holidays", "2027-01-04"),
    # --- English: vague ----------------------------------------------------------------
    ("We hope to have an update for you soon.", "2026-11-02", "US", "soon", None),
    ("We will be in touch in the coming weeks.", "2026-11-02", "US", "in the coming weeks",
     None),
    ("The hiring manager will get back to you shortly.", "2026-11-02", "US", "shortly", None),
    ("We'll get back to you as soon as possible.", "2026-11-02", "US", "as soon as possible",
     None),
    # --- English: deadlines for the reader, and no promise ---------------------------------
    ("Please sign and return the offer letter by Friday.", "2026-11-02", "US", NONE, None),
    ("Could you send your availability by Monday?", "2026-11-02", "US", NONE, None),
    ("Please let us know your decision by the end of the week.", "2026-11-02", "US", NONE,
     None),
    ("Thanks for your time today, it was great to meet you.", "2026-11-02", "US", NONE, None),
    ("Are you free for a quick call next week?", "2026-11-02", "US", NONE, None),
    ("", "2026-11-02", "US", NONE, None),
    ("Our hiring manager, Theo, would like to meet you for a short interview next week.",
     "2026-11-13", "US", NONE, None),
    ("I'm happy to invite you to a video call on Friday. You'll receive a calendar invite "
     "shortly.", "2026-09-14", "US", NONE, None),
    ("If you can send answers by the 18th, we'll publish in the issue of the 22nd.",
     "2026-09-08", "US", NONE, None),
    ("Thanks again, talk soon!", "2026-11-02", "US", NONE, None),
    # --- English: two phrases ------------------------------------------------------------
    ("Please send your availability by Monday. We will get back to you within 5 business "
     "days.", "2026-11-02", "US", "within 5 business days", "2026-11-09"),
    ("We'll have an update by Friday, and a final decision by the end of next week.",
     "2026-11-02", "US", "by the end of next week", "2026-11-13"),
    ("We will be in touch soon. The final decision will be made by the end of the month.",
     "2026-11-10", "US", "by the end of the month", "2026-11-30"),
    ("We'll get back to you by Friday. Please sign the NDA by Monday.", "2026-11-02", "US",
     "by Friday", "2026-11-06"),
    # --- offsets: the message's own calendar date ---------------------------------------
    ("We will get back to you by the end of this week.", "2026-11-06T23:30:00-08:00", "US",
     "by the end of this week", "2026-11-06"),
    ("We will get back to you by the end of this week.", "2026-11-07T00:30:00+01:00", "DE",
     "by the end of this week", "2026-11-13"),
    # --- German ------------------------------------------------------------------------
    ("Wir melden uns bis Ende nächster Woche bei Ihnen.", "2026-10-26", "DE",
     "bis Ende nächster Woche", "2026-11-06"),
    ("Wir melden uns bis Freitag.", "2026-08-14", "DE", "bis Freitag", "2026-08-21"),
    ("Sie erhalten unsere Rückmeldung Anfang nächster Woche.", "2026-09-18", "DE",
     "Anfang nächster Woche", "2026-09-22"),
    ("Wir geben Ihnen Mitte nächster Woche Bescheid.", "2026-10-01", "DE",
     "Mitte nächster Woche", "2026-10-07"),
    ("Sie erhalten eine Rückmeldung innerhalb von 5-7 Werktagen.", "2026-09-30", "DE",
     "innerhalb von 5-7 Werktagen", "2026-10-09"),
    ("Wir melden uns innerhalb von 3 Werktagen.", "2026-12-23", "DE",
     "innerhalb von 3 Werktagen", "2026-12-29"),
    ("Wir melden uns in den nächsten zwei Wochen.", "2026-10-16", "DE",
     "in den nächsten zwei Wochen", "2026-10-30"),
    ("Wir melden uns bis Ende des Monats.", "2026-11-03", "DE", "bis Ende des Monats",
     "2026-11-30"),
    ("Die Entscheidung fällt bis Ende Dezember.", "2026-11-03", "DE", "bis Ende Dezember",
     "2026-12-31"),
    ("Wir melden uns Mitte Dezember.", "2026-11-03", "DE", "Mitte Dezember", "2026-12-15"),
    ("Eine Entscheidung erwarten wir Anfang Dezember.", "2026-11-10", "DE",
     "Anfang Dezember", "2026-12-05"),
    ("Wir melden uns nach den Feiertagen bei Ihnen.", "2026-12-10", "DE",
     "nach den Feiertagen", "2027-01-04"),
    ("Wir melden uns innerhalb einer Woche.", "2026-10-20", "DE", "innerhalb einer Woche",
     "2026-10-27"),
    ("Wir melden uns bis zum 27. November.", "2026-11-02", "DE", "bis zum 27. November",
     "2026-11-27"),
    ("Wir geben Ihnen bis Freitag, den 13. Bescheid.", "2026-11-02", "DE",
     "bis Freitag, den 13.", "2026-11-13"),
    ("Wir melden uns demnächst.", "2026-11-02", "DE", "demnächst", None),
    ("Sie hören in Kürze von uns.", "2026-11-02", "DE", "in Kürze", None),
    ("Bitte senden Sie uns den unterschriebenen Vertrag bis Freitag zurück.", "2026-11-02",
     "DE", NONE, None),
    ("Bitte teilen Sie uns Ihre Verfügbarkeit bis Montag mit. Wir melden uns dann innerhalb "
     "von 3 Werktagen.", "2026-11-02", "DE", "innerhalb von 3 Werktagen", "2026-11-05"),
    ("Vielen Dank für das nette Gespräch heute.", "2026-11-02", "DE", NONE, None),
    ("Wir möchten Sie gerne zu einem Videointerview am Donnerstag, 29. Oktober einladen.",
     "2026-10-26", "DE", NONE, None),
    # --- French ------------------------------------------------------------------------
    ("Nous reviendrons vers vous d'ici vendredi.", "2026-10-08", "FR", "d'ici vendredi",
     "2026-10-09"),
    ("Nous reviendrons vers vous d’ici vendredi.", "2026-10-09", "FR", "d’ici vendredi",
     "2026-10-16"),
    ("Vous aurez notre retour sous 5 à 7 jours ouvrés.", "2026-11-06", "FR",
     "sous 5 à 7 jours ouvrés", "2026-11-18"),
    ("Nous reviendrons vers vous en début de semaine prochaine.", "2026-09-02", "FR",
     "en début de semaine prochaine", "2026-09-08"),
    ("Nous vous ferons un retour dans les deux prochaines semaines.", "2026-10-27", "FR",
     "dans les deux prochaines semaines", "2026-11-10"),
    ("Nous vous donnerons une réponse d'ici la fin du mois.", "2027-02-03", "FR",
     "d'ici la fin du mois", "2027-02-28"),
    ("Nous reviendrons vers vous d'ici la fin de la semaine prochaine.", "2026-11-09", "FR",
     "d'ici la fin de la semaine prochaine", "2026-11-20"),
    ("La décision sera prise à la mi-décembre.", "2026-11-05", "FR", "à la mi-décembre",
     "2026-12-15"),
    ("Nous reviendrons vers vous après les fêtes.", "2026-11-25", "FR", "après les fêtes",
     "2027-01-04"),
    ("Nous reviendrons vers vous après les fêtes.", "2026-12-22", "FR", "après les fêtes",
     "2027-01-04"),
    ("Nous vous donnerons une réponse sous 10 jours.", "2026-12-28", "FR", "sous 10 jours",
     "2027-01-07"),
    ("Nous reviendrons vers vous d'ici le 15.", "2026-11-20", "FR", "d'ici le 15",
     "2026-12-15"),
    ("Nous revenons vers vous prochainement.", "2026-09-18", "FR", "prochainement", None),
    ("Nous reviendrons vers vous dans les prochains jours.", "2026-09-18", "FR",
     "dans les prochains jours", None),
    ("Merci de nous renvoyer le contrat signé d'ici vendredi.", "2026-11-02", "FR", NONE,
     None),
    ("Merci de nous envoyer vos disponibilités d'ici lundi. Nous reviendrons vers vous en "
     "début de semaine prochaine.", "2026-11-05", "FR", "en début de semaine prochaine",
     "2026-11-10"),
    ("Merci encore pour cet échange très agréable.", "2026-11-05", "FR", NONE, None),
    ("Nous avons le plaisir de vous inviter à un entretien le 26 octobre.\n\nÀ très bientôt,\n"
     "L'équipe recrutement", "2026-10-19", "FR", NONE, None),
    # --- Spanish -----------------------------------------------------------------------
    ("Le daremos una respuesta en un plazo de 5 a 7 días hábiles.", "2026-10-09", "ES",
     "en un plazo de 5 a 7 días hábiles", "2026-10-21"),
    ("Le daremos una respuesta en 3 días hábiles.", "2026-12-04", "ES", "en 3 días hábiles",
     "2026-12-10"),
    ("Le daremos una respuesta antes del viernes.", "2026-11-16", "ES", "antes del viernes",
     "2026-11-20"),
    ("Le daremos una respuesta a finales de la próxima semana.", "2026-11-03", "ES",
     "a finales de la próxima semana", "2026-11-13"),
    ("Nos pondremos en contacto a principios de la próxima semana.", "2026-11-06", "ES",
     "a principios de la próxima semana", "2026-11-10"),
    ("Le daremos una respuesta en las próximas dos semanas.", "2026-08-28", "ES",
     "en las próximas dos semanas", "2026-09-11"),
    ("Tendremos una decisión a finales de mes.", "2026-11-05", "ES", "a finales de mes",
     "2026-11-30"),
    ("Le daremos una respuesta a mediados de diciembre.", "2026-11-05", "ES",
     "a mediados de diciembre", "2026-12-15"),
    ("Nos pondremos en contacto después de las fiestas.", "2026-12-01", "ES",
     "después de las fiestas", "2027-01-04"),
    ("Le daremos una respuesta antes del 27 de noviembre.", "2026-11-02", "ES",
     "antes del 27 de noviembre", "2026-11-27"),
    ("Nos pondremos en contacto con usted pronto.", "2026-11-02", "ES", "pronto", None),
    ("Por favor, firme el contrato antes del 27 de noviembre.", "2026-11-02", "ES", NONE,
     None),
    ("Por favor, envíenos su disponibilidad antes del lunes. Le daremos una respuesta en "
     "un plazo de 5 días hábiles.", "2026-10-07", "ES", "en un plazo de 5 días hábiles",
     "2026-10-15"),
    ("Gracias por su tiempo y por la entrevista de hoy.", "2026-11-02", "ES", NONE, None),
    # --- Wordings found beyond the table (session 3): each language ----------------------
    ("I should have an answer for you by Friday.", "2026-11-12T23:12:29-08:00", "US",
     "by Friday", "2026-11-13"),
    ("We'll come back to you within the next 10 days with an outcome.", "2026-11-05", "AU",
     "within the next 10 days", "2026-11-15"),
    ("I spoke with their HR lead and they'll decide by the end of next week.", "2026-10-29",
     "US", "by the end of next week", "2026-11-06"),
    ("We're aiming to get back to everyone before Thanksgiving.", "2026-11-18", "US",
     "before Thanksgiving", "2026-11-25"),
    ("We expect to hear back by Thanksgiving.", "2026-11-18", "US", "by Thanksgiving",
     "2026-11-26"),
    ("Our goal is to have someone signed before the end of the quarter, so you'll know well "
     "before then.", "2026-11-23", "US", "before the end of the quarter", "2026-12-31"),
    ("You'll hear from us no later than the 20th.", "2026-11-16", "US",
     "no later than the 20th", "2026-11-20"),
    ("We'll let you know by close of business Thursday.", "2026-11-16", "US",
     "by close of business Thursday", "2026-11-19"),
    ("We should be able to update you by Wednesday next week.", "2026-11-19", "US",
     "by Wednesday next week", "2026-11-25"),
    ("We will get back to you within the next 7 to 10 working days.", "2026-11-02", "GB",
     "within the next 7 to 10 working days", "2026-11-16"),
    ("We'll be in touch in about two weeks' time.", "2026-11-02", "GB",
     "in about two weeks' time", "2026-11-16"),
    ("We hope to have news for you by Dec 15.", "2026-11-20", "US", "by Dec 15", "2026-12-15"),
    ("We'll confirm next steps by 15 Dec.", "2026-11-20", "GB", "by 15 Dec", "2026-12-15"),
    ("We will get back to you by 12/15.", "2026-11-20", "US", "by 12/15", "2026-12-15"),
    ("We will get back to you by 15/12.", "2026-11-20", "GB", "by 15/12", "2026-12-15"),
    ("We will get back to you by 11/12.", "2026-11-20", "GB", "by 11/12", "2026-12-11"),
    ("We hope to wrap up by mid-month and will let you know then.", "2026-12-02", "US",
     "by mid-month", "2026-12-15"),
    ("We'll let you know before Christmas.", "2026-12-01", "US", "before Christmas",
     "2026-12-24"),
    ("We'll get back to you in a week or two.", "2026-11-02", "US", "in a week or two",
     "2026-11-16"),
    ("You should hear from us in a couple of weeks.", "2026-11-02", "US",
     "in a couple of weeks", "2026-11-16"),
    ("We'll get back to you by the end of the year.", "2026-11-02", "US",
     "by the end of the year", "2026-12-31"),
    ("The hiring committee meets in early December, so you'll hear from me then.",
     "2026-11-16", "US", "in early December", "2026-12-05"),
    ("I'll call you on Monday at 10am to walk through the offer.", "2026-11-05", "US", NONE,
     None),
    ("I'm out of the office until Friday, but I'll reply then.", "2026-11-02", "US", NONE,
     None),
    ("Wir werden uns innerhalb von zwei Wochen bei Ihnen melden.", "2026-09-10", "CH",
     "innerhalb von zwei Wochen", "2026-09-24"),
    ("Bei uns geht es leider erst nach den Feiertagen weiter.", "2026-11-20", "DE",
     "nach den Feiertagen", "2027-01-04"),
    ("Sie erhalten in den kommenden 10 Tagen eine Rückmeldung.", "2026-11-02", "DE",
     "in den kommenden 10 Tagen", "2026-11-12"),
    ("Wir melden uns bis Mittwoch nächster Woche.", "2026-11-19", "DE",
     "bis Mittwoch nächster Woche", "2026-11-25"),
    ("Sie bekommen spätestens bis zum 12.12. Bescheid.", "2026-11-20", "DE",
     "bis zum 12.12.", "2026-12-12"),
    ("Wir melden uns in ca. 2 Wochen.", "2026-11-02", "DE", "in ca. 2 Wochen", "2026-11-16"),
    ("Wir möchten bis Weihnachten entscheiden.", "2026-12-01", "DE", "bis Weihnachten",
     "2026-12-25"),
    ("Wir werden bis Ende des Quartals entscheiden.", "2026-11-02", "DE",
     "bis Ende des Quartals", "2026-12-31"),
    ("Nous reviendrons vers vous sous huitaine.", "2026-10-30", "FR", "sous huitaine",
     "2026-11-07"),
    ("Nous te reviendrons donc après les fêtes avec une décision.", "2026-12-09", "CA",
     "après les fêtes", "2027-01-04"),
    ("Nous vous ferons un retour sous 10 jours ouvrés.", "2026-11-02", "FR",
     "sous 10 jours ouvrés", "2026-11-17"),
    ("Nous vous donnerons une réponse au plus tard le 18 décembre.", "2026-11-20", "FR",
     "au plus tard le 18 décembre", "2026-12-18"),
    ("Nous reviendrons vers vous dans les 10 prochains jours.", "2026-11-02", "FR",
     "dans les 10 prochains jours", "2026-11-12"),
    ("Vous aurez notre réponse d'ici une quinzaine de jours.", "2026-11-02", "FR",
     "d'ici une quinzaine de jours", "2026-11-16"),
    ("Nous vous recontacterons mercredi de la semaine prochaine.", "2026-11-19", "BE",
     "mercredi de la semaine prochaine", "2026-11-25"),
    ("Nous vous répondrons avant le 18/12.", "2026-11-20", "FR", "avant le 18/12",
     "2026-12-18"),
    ("Te daremos una respuesta a más tardar el viernes.", "2026-11-16", "MX",
     "a más tardar el viernes", "2026-11-20"),
    ("Nos pondremos en contacto dentro de los próximos 10 días hábiles.", "2026-11-02", "MX",
     "dentro de los próximos 10 días hábiles", "2026-11-17"),
    ("La fase final será a mediados de diciembre.", "2026-11-19", "ES",
     "a mediados de diciembre", "2026-12-15"),
    ("Te avisaré el miércoles de la semana que viene.", "2026-11-19", "AR",
     "el miércoles de la semana que viene", "2026-11-25"),
    ("Tendremos una decisión antes de fin de mes.", "2026-11-05", "CO", "antes de fin de mes",
     "2026-11-30"),
    ("Le escribiremos antes del 15/12.", "2026-11-20", "ES", "antes del 15/12", "2026-12-15"),
    ("Tendrás noticias nuestras a fines de la semana próxima.", "2026-11-03", "AR",
     "a fines de la semana próxima", "2026-11-13"),
    ("We will get back to you within 48 hours.", "2026-11-02", "US", "within 48 hours",
     "2026-11-04"),
    ("I'll let you know by end of day.", "2026-11-02", "US", "by end of day", "2026-11-02"),
    ("We will confirm by tomorrow.", "2026-11-02", "US", "by tomorrow", "2026-11-03"),
    ("Wir melden uns innerhalb von 24 Stunden.", "2026-11-02", "DE",
     "innerhalb von 24 Stunden", "2026-11-03"),
    ("Nous reviendrons vers vous sous 48 heures.", "2026-11-02", "FR", "sous 48 heures",
     "2026-11-04"),
    ("Te daremos una respuesta en las próximas 72 horas.", "2026-11-02", "ES",
     "en las próximas 72 horas", "2026-11-05"),
    ("You can expect a decision by the first week of December.", "2026-11-18", "US",
     "by the first week of December", "2026-12-07"),
    ("We will get back to you by the end of this coming week.", "2026-11-18", "US",
     "by the end of this coming week", "2026-11-20"),
    ("Sie hören bis übernächste Woche von uns.", "2026-11-18", "DE", "bis übernächste Woche",
     "2026-12-04"),
    ("Te contestaremos antes del próximo viernes.", "2026-11-18", "ES",
     "antes del próximo viernes", "2026-11-20"),
    ("On revient vers toi d'ici la fin de la semaine.", "2026-11-18", "FR",
     "d'ici la fin de la semaine", "2026-11-20"),
    ("Je te redis ça la semaine prochaine.", "2026-11-18", "FR", "la semaine prochaine",
     "2026-11-27"),
    ("Te confirmo algo la semana que viene.", "2026-11-18", "ES", "la semana que viene",
     "2026-11-27"),
    ("We shall revert to you latest by Mon, 30 Nov with the outcome.", "2026-11-25", "IN",
     "latest by Mon, 30 Nov", "2026-11-30"),
    ("Te daremos respuesta en un máximo de cinco días hábiles.", "2026-11-13", "CO",
     "en un máximo de cinco días hábiles", "2026-11-23"),
    ("No news yet. One of the panel has been off sick this week, so we're still one set of "
     "feedback short.", "2026-10-13", "AU", NONE, None),
    ("Wir brauchen länger, weil unser CEO erst am Mittwoch aus dem Urlaub zurück ist.",
     "2026-11-06", "DE", NONE, None),
    ("Nous reviendrons vers vous quand Julie sera de retour, elle est en congé jusqu'au "
     "18 novembre.", "2026-11-06", "FR", NONE, None),
    ("Te escribiremos cuando vuelva Marta, que está de vacaciones hasta el lunes.",
     "2026-11-06", "ES", NONE, None),
    ("You can expect a decision from us inside of three business days.", "2026-10-09", "US",
     "inside of three business days", "2026-10-15"),
    ("We should be able to share a decision with you two weeks from today.", "2026-07-28",
     "US", "two weeks from today", "2026-08-11"),
    ("They've now said Tuesday week, which I know isn't ideal.", "2026-11-05", "GB",
     "Tuesday week", "2026-11-17"),
    ("P.S. Decision-wise, you'll have our answer before the month is out - promise.",
     "2026-10-08", "GB", "before the month is out", "2026-10-31"),
    ("We will come back to you a fortnight today at the latest.", "2026-09-15", "GB",
     "a fortnight today", "2026-09-29"),
    ("Mit einer Entscheidung dürfen Sie bis zum Nikolaustag rechnen.", "2026-11-26", "DE",
     "bis zum Nikolaustag", "2026-12-06"),
    ("Sie erhalten unseren Bescheid innert fünf Arbeitstagen.", "2026-07-29", "CH",
     "innert fünf Arbeitstagen", "2026-08-05"),
    ("Vous recevrez notre décision endéans les dix jours.", "2026-10-29", "BE",
     "endéans les dix jours", "2026-11-08"),
    ("Te damos respuesta en un plazo máximo de tres días hábiles, sin contar el lunes, que es "
     "fiesta.", "2026-10-08", "ES", "en un plazo máximo de tres días hábiles", "2026-10-14"),
    ("Te vamos a estar contactando dentro de los próximos cinco días hábiles.", "2026-09-15",
     "CL", "dentro de los próximos cinco días hábiles", "2026-09-23"),
    # A pleasantry: "soon" beside a mere "we will" is no promise.
    ("I'm sure we'll bump into each other at a modelling forum before long.", "2026-09-22",
     "GB", NONE, None),
    ("¡Nos veremos pronto!", "2026-09-22", "ES", NONE, None),
]
# fmt: on


@pytest.mark.parametrize(("text", "stamp", "country", "phrase", "due"), CASES)
def test_find_timeline(
    text: str, stamp: str, country: str | None, phrase: str, due: str | None
) -> None:
    found = find_timeline(text, sent(stamp), country)
    if phrase == NONE:
        assert found is None
    else:
        expected_due = date.fromisoformat(due) if due else None
        assert found == StatedTimeline(text=phrase, due=expected_due)


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 80


def test_wrapped_lines_give_a_single_spaced_phrase() -> None:
    found = find_timeline("We will get back to you by the end\nof next week.", sent("2026-11-02"))
    assert found == StatedTimeline(text="by the end of next week", due=date(2026, 11, 13))


PHRASES = [row[0] for row in CASES]


@settings(max_examples=200, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=200),
        st.lists(st.sampled_from(PHRASES), min_size=1, max_size=3).map(" ".join),
        st.tuples(st.text(max_size=40), st.sampled_from(PHRASES)).map(lambda p: p[0] + p[1]),
    ),
    moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31)),
    offset_minutes=st.integers(min_value=-12 * 60, max_value=14 * 60),
    country=st.sampled_from([None, "US", "DE", "FR", "ES", "GB", "XX"]),
)
def test_never_raises_and_never_due_before_sending(
    text: str, moment: datetime, offset_minutes: int, country: str | None
) -> None:
    sent_at = moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    found = find_timeline(text, sent_at, country)
    if found is not None and found.due is not None:
        assert found.due >= sent_at.date()
