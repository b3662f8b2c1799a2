"""Table tests of the per-message signals, in English, German, French and Spanish."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.understand.parse import Message, parse_message
from tracker.understand.signals import (
    asks_owner,
    automatic_reasons,
    is_checkin,
    is_thank_you,
    out_of_office_return,
    outcome_of,
)

OWNER = "alex@example.com"
OTHER = "dana@northwind.example"


def mail(
    body: str,
    *,
    outgoing: bool = False,
    sender: str | None = None,
    subject: str = "Re: Interview",
    headers: str = "",
    date_header: str = "Mon, 09 Nov 2026 10:00:00 +0100",
) -> Message:
    """A parsed message built from small inline .eml bytes."""
    from_address = OWNER if outgoing else (sender or OTHER)
    to_address = OTHER if outgoing else OWNER
    raw = (
        f"From: {from_address}\r\nTo: {to_address}\r\nSubject: {subject}\r\n"
        f"Date: {date_header}\r\nMessage-ID: <m1@example.com>\r\n{headers}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()
    return parse_message(raw, [OWNER])


NOREPLY = "no-reply@greenhouse-mail.example"
BULK = "Precedence: bulk\r\n"
AUTO_REPLIED = "Auto-Submitted: auto-replied\r\n"

# (id, body, sender, extra headers, subject, automatic?)
AUTOMATIC_CASES = [
    (
        "en-ooo",
        "I am out of the office until Monday 16 November with limited access to email.",
        None,
        AUTO_REPLIED,
        "Automatic reply: Re: Interview",
        True,
    ),
    (
        "en-ooo-content-only",
        "Hi, I'm currently out of the office and will be back on 16 November.",
        None,
        "",
        "Re: Interview",
        True,
    ),
    (
        "de-ooo",
        "Vielen Dank für Ihre Nachricht. Ich bin bis 13.11. nicht im Büro.",
        None,
        "",
        "Re: Interview",
        True,
    ),
    (
        "fr-ooo",
        "Bonjour, je suis absente jusqu'au 13 novembre inclus.",
        None,
        "",
        "Re: Entretien",
        True,
    ),
    (
        "es-ooo",
        "Estoy fuera de la oficina hasta el 13 de noviembre.",
        None,
        "",
        "Re: Entrevista",
        True,
    ),
    (
        "en-ack",
        "Thank you for applying! We have received your application and will review it.",
        NOREPLY,
        "",
        "Your application",
        True,
    ),
    (
        "en-ack-weak",
        "Thanks for applying to the Data Engineer role. Our team reviews every "
        "application carefully.",
        NOREPLY,
        "",
        "Thanks for applying",
        True,
    ),
    (
        "de-ack",
        "Wir haben Ihre Bewerbung erhalten und melden uns in Kürze.",
        NOREPLY,
        "",
        "Ihre Bewerbung",
        True,
    ),
    (
        "fr-ack",
        "Nous avons bien reçu votre candidature au poste de Data Manager.",
        NOREPLY,
        "",
        "Votre candidature",
        True,
    ),
    (
        "es-ack",
        "Hemos recibido tu candidatura. Si encaja, te contactaremos para una entrevista.",
        NOREPLY,
        "",
        "Tu candidatura",
        True,
    ),
    (
        "en-bounce",
        "Delivery has failed to these recipients: kenji@halcyon.example",
        "mailer-daemon@googlemail.example",
        "",
        "Delivery Status Notification (Failure)",
        True,
    ),
    ("rfc3834-only", "Your message has been received.", None, AUTO_REPLIED, "Re: Interview", True),
    (
        "en-rejection-noreply-bulk",
        "Unfortunately, we have decided to move forward with other candidates.",
        NOREPLY,
        BULK,
        "Your application",
        False,
    ),
    (
        "en-offer-noreply",
        "We are delighted to offer you the position! Your offer letter follows.",
        NOREPLY,
        AUTO_REPLIED,
        "Offer",
        False,
    ),
    (
        "en-invite-ack-words",
        "Thanks for applying! Our hiring manager would like to meet you for a "
        "short interview next week.",
        NOREPLY,
        "",
        "Next steps",
        False,
    ),
    (
        "de-invite",
        "Vielen Dank für Ihre Bewerbung. Wir möchten Sie gerne zu einem Videointerview einladen.",
        NOREPLY,
        "",
        "Einladung",
        False,
    ),
    (
        "en-reschedule-bulk",
        "Your interview has been rescheduled to Tuesday at 1 PM.",
        NOREPLY,
        BULK,
        "Updated interview",
        False,
    ),
    (
        "en-person",
        "Hi Alex, great talking today. We'll be in touch next week.",
        None,
        "",
        "Re: Interview",
        False,
    ),
    (
        "es-rejection-noreply",
        "Hemos decidido continuar con otros candidatos.",
        NOREPLY,
        BULK,
        "Tu candidatura",
        False,
    ),
    (
        "en-ats-message-receipt",
        "Hi Alex,\n\nThank you for your message. It has been delivered to the hiring team for "
        "Data Platform Engineer.\n\nThis is an automated notification. Please do not reply.",
        NOREPLY,
        "",
        "Re: Interview",
        True,
    ),
]


@pytest.mark.parametrize(
    ("body", "sender", "headers", "subject", "expected"),
    [case[1:] for case in AUTOMATIC_CASES],
    ids=[case[0] for case in AUTOMATIC_CASES],
)
def test_automatic_reasons(
    body: str, sender: str | None, headers: str, subject: str, expected: bool
) -> None:
    message = mail(body, sender=sender, headers=headers, subject=subject)
    reasons = automatic_reasons(message)
    assert bool(reasons) is expected, reasons
    assert all(isinstance(reason, str) and reason for reason in reasons)


def test_outgoing_is_never_automatic() -> None:
    message = mail("I am out of the office until Monday.", outgoing=True, headers=AUTO_REPLIED)
    assert automatic_reasons(message) == ()


OOO_CASES = [
    (
        "en-back-on",
        "I am out of the office and will be back on Monday 16 November.",
        date(2026, 11, 16),
    ),
    (
        "en-until",
        "I'm out of the office until November 16th with no access to email.",
        date(2026, 11, 16),
    ),
    ("en-returning", "I am on vacation, returning on 16/11.", date(2026, 11, 16)),
    ("en-next-year", "I am out of the office until 4 January.", date(2027, 1, 4)),
    (
        "en-explicit-year",
        "I am out of the office and will return on 5 January 2027.",
        date(2027, 1, 5),
    ),
    ("en-weekday-only", "I'm out of the office, back on Friday.", date(2026, 11, 13)),
    (
        "de-ab-wieder",
        "Ich bin nicht im Büro und ab dem 16.11. wieder erreichbar.",
        date(2026, 11, 16),
    ),
    ("de-month-name", "Ich bin bis 16. November nicht im Büro.", date(2026, 11, 16)),
    ("de-einschliesslich", "Ich bin bis einschließlich 13.11. nicht im Büro.", date(2026, 11, 14)),
    ("fr-de-retour", "Je suis absent, de retour le 16 novembre.", date(2026, 11, 16)),
    ("fr-jusquau", "Je suis absente jusqu'au lundi 16 novembre.", date(2026, 11, 16)),
    ("es-volvere", "Estoy fuera de la oficina. Volveré el 16 de noviembre.", date(2026, 11, 16)),
    ("es-hasta", "Estoy de vacaciones hasta el 16 de noviembre.", date(2026, 11, 16)),
    ("no-date", "I am out of the office with limited access to email.", None),
    ("not-ooo", "We will get back to you on Monday 16 November.", None),
]


@pytest.mark.parametrize(
    ("body", "expected"), [case[1:] for case in OOO_CASES], ids=[case[0] for case in OOO_CASES]
)
def test_out_of_office_return(body: str, expected: date | None) -> None:
    # Sent on Monday 9 November 2026.
    assert out_of_office_return(mail(body)) == expected


OUTCOME_CASES = [
    (
        "en-reject",
        "After careful consideration, we have decided to move forward with other candidates.",
        False,
        "rejected",
    ),
    (
        "en-not-proceed",
        "The team has decided not to proceed with your application.",
        False,
        "rejected",
    ),
    ("en-filled", "I'm afraid the position has been filled.", False, "rejected"),
    (
        "de-reject",
        "Leider müssen wir Ihnen mitteilen, dass wir Sie nicht berücksichtigen können.",
        False,
        "rejected",
    ),
    (
        "fr-reject",
        "Nous ne pouvons pas donner une suite favorable à votre candidature.",
        False,
        "rejected",
    ),
    ("es-reject", "Hemos decidido continuar con otros candidatos.", False, "rejected"),
    (
        "en-offered-to-another",
        "I'm sorry to say that on this occasion we have decided to offer the role to another "
        "candidate, whose experience was a closer match.",
        False,
        "rejected",
    ),
    ("en-gone-with", "In the end the team has gone with an internal candidate.", False, "rejected"),
    (
        "en-not-further",
        "We won't be taking your application any further at this stage.",
        False,
        "rejected",
    ),
    ("en-unsuccessful", "I'm afraid you have been unsuccessful this time.", False, "rejected"),
    (
        "en-chosen-to-hire",
        "We've chosen to hire someone else with more payments experience.",
        False,
        "rejected",
    ),
    (
        "de-for-another",
        "Wir haben uns für einen anderen Bewerber entschieden, dessen Profil besser passt.",
        False,
        "rejected",
    ),
    ("de-absage", "Wir müssen Ihnen heute leider eine Absage erteilen.", False, "rejected"),
    ("de-ihnen-absagen", "Leider müssen wir Ihnen nach reiflicher Überlegung absagen.", False,
     "rejected"),
    # Cancelling a meeting (Outlook's "Abgesagt:") turns nobody down.
    ("de-ihnen-termin-absagen", "Leider muss ich Ihnen den Termin morgen absagen.", False, None),
    ("de-termin-absagen", "leider muss ich unseren Termin am Donnerstag absagen - Herr Wallner "
     "ist auf Dienstreise. Einen neuen Terminvorschlag schicke ich noch heute.", False, None),
    ("fr-no-follow-up", "Nous ne pourrons pas donner suite à votre candidature.", False,
     "rejected"),
    ("fr-other", "Nous avons choisi une autre candidate pour ce poste.", False, "rejected"),
    (
        "es-other-person",
        "Hemos seleccionado a otra persona para el puesto.",
        False,
        "rejected",
    ),
    (
        "es-not-continue",
        "Te escribimos para decirte que no seguiremos adelante con tu candidatura.",
        False,
        "rejected",
    ),
    (
        "de-for-a-candidate",
        "Nach sorgfältiger Abwägung haben wir uns für eine Kandidatin entschieden, deren "
        "Erfahrung noch besser passt.",
        False,
        "rejected",
    ),
    ("fr-retenu", "Nous avons finalement retenu une candidate au profil plus senior.", False,
     "rejected"),
    ("es-seleccionado", "Hemos seleccionado a una persona con más experiencia.", False,
     "rejected"),
    ("de-stelle-besetzen", "Wir haben uns entschieden, die Stelle mit einer Kandidatin zu "
     "besetzen, deren Erfahrung besser passt.", False, "rejected"),
    ("de-weiterer-weg", "Wir wünschen Ihnen für Ihren weiteren Weg alles Gute.", False,
     "rejected"),
    ("en-wish-luck", "We wish you the very best of luck in your job search.", False, "rejected"),
    ("fr-reussite", "Nous vous souhaitons pleine réussite dans vos recherches.", False,
     "rejected"),
    ("en-closer-match", "We have decided to proceed with candidates whose experience is a "
     "closer match.", False, "rejected"),
    ("en-other-finalist", "They've decided to go with the other finalist.", False, "rejected"),
    ("en-not-progressing", "Unfortunately we won't be progressing your application.", False,
     "rejected"),
    ("en-on-hold", "Unfortunately the position has been put on hold as part of a restructure.",
     False, "rejected"),
    ("en-want-to-offer", "Kowhai want to offer you the Analytics Engineer role!", False,
     "offer"),
    ("de-an-bord", "Wir würden dich sehr gern als Produktmanager an Bord holen!", False,
     "offer"),
    (
        "en-offer-to-another-finalist",
        "The committee ultimately decided to extend an offer to another finalist whose "
        "background was a closer fit.",
        False,
        "rejected",
    ),
    (
        "en-other-candidates-still",
        "We're also meeting another candidate next week who is a little more senior.",
        False,
        None,
    ),
    (
        "en-offer",
        "We are delighted to offer you the role! The offer letter is attached.",
        False,
        "offer",
    ),
    (
        "de-offer",
        "Wir freuen uns, Ihnen ein Angebot für die Position machen zu können.",
        False,
        "offer",
    ),
    ("fr-offer", "Nous avons le plaisir de vous faire une proposition d'embauche.", False, "offer"),
    ("es-offer", "Nos encantaría hacerte una oferta para el puesto.", False, "offer"),
    (
        "en-withdraw",
        "I have decided to withdraw my application, as I accepted another offer.",
        True,
        "withdrawn",
    ),
    ("de-withdraw", "Hiermit ziehe ich meine Bewerbung zurück.", True, "withdrawn"),
    ("fr-withdraw", "Je souhaite retirer ma candidature.", True, "withdrawn"),
    ("es-withdraw", "Quisiera retirar mi candidatura del proceso.", True, "withdrawn"),
    ("thanks-for-time", "Thank you for your time today, it was great to meet you.", False, None),
    ("next-round", "Congratulations, we'd like to invite you to the final round.", False, None),
    (
        "other-candidates-pending",
        "We're wrapping up interviews with a few other candidates.",
        False,
        None,
    ),
    (
        "decline-slot",
        "Unfortunately I can't make Tuesday; could we do Wednesday instead?",
        True,
        None,
    ),
    (
        "conditional",
        "If you do not hear from us within 30 days, you have not been selected.",
        False,
        None,
    ),
]


@pytest.mark.parametrize(
    ("body", "outgoing", "expected"),
    [case[1:] for case in OUTCOME_CASES],
    ids=[case[0] for case in OUTCOME_CASES],
)
def test_outcome_of(body: str, outgoing: bool, expected: str | None) -> None:
    assert outcome_of(mail(body, outgoing=outgoing)) == expected


ASKS_CASES = [
    ("en-kindly-send", "Kindly send a scanned copy of your clearance by December 1.", True),
    ("en-references", "Could you send me the names of two references?", True),
    ("en-salary", "Before the onsite, could you share your salary expectations?", True),
    ("en-availability", "Please reply with your availability for next week.", True),
    ("en-question", "Does Monday at 2pm work for you?", True),
    ("en-please-sign", "Please review, sign and return the offer letter by Friday.", True),
    ("de-question", "Welche Termine passen Ihnen in der Woche ab dem 31. August?", True),
    ("de-request", "Könnten Sie mir bitte Ihre Gehaltsvorstellung nennen?", True),
    ("fr-question", "Seriez-vous disponible mardi prochain à 14h ?", True),
    ("fr-request", "Pourriez-vous m'envoyer vos disponibilités ?", True),
    ("es-question", "¿Podríamos vernos el martes a las 10?", True),
    ("es-request", "Por favor, envía tu disponibilidad para la próxima semana.", True),
    ("en-signoff", "We'll be in touch next week. Let me know if you have any questions!", False),
    ("en-statement", "We'll get back to you by the end of next week about next steps.", False),
    ("de-signoff", "Wir melden uns bis Freitag. Bei Fragen stehe ich gerne zur Verfügung.", False),
    (
        "fr-signoff",
        "Nous revenons vers vous prochainement. N'hésitez pas si vous avez des questions.",
        False,
    ),
    ("es-signoff", "Te diremos algo pronto. Si tienes alguna duda, escríbeme.", False),
    ("kit-list", "Suggested questions\n1. How would you model upgrades?\n2. Why SQL?", False),
]


@pytest.mark.parametrize(
    ("body", "expected"), [case[1:] for case in ASKS_CASES], ids=[case[0] for case in ASKS_CASES]
)
def test_asks_owner(body: str, expected: bool) -> None:
    assert asks_owner(mail(body)) is expected


def test_asks_owner_ignores_outgoing_and_automatic() -> None:
    assert not asks_owner(mail("Could you send the contract?", outgoing=True))
    assert not asks_owner(mail("I am out of the office until Monday. Could you call Tom?"))


THANKS_CASES = [
    ("en-thanks", "Thank you for taking the time to speak with me yesterday.", True),
    ("en-panel", "Thanks so much for your time on the panel today.", True),
    ("en-enjoyed", "Really enjoyed our chat today. Thanks for making the time.", True),
    ("en-hosting", "Thanks for hosting me yesterday; the overview was fascinating.", True),
    ("de-thanks", "Vielen Dank für das angenehme Gespräch heute.", True),
    ("de-bedanken", "Ich möchte mich noch einmal herzlich für das Gespräch bedanken.", True),
    ("fr-thanks", "Merci pour notre échange de ce matin.", True),
    ("fr-entretien", "Je vous remercie pour l'entretien d'hier.", True),
    ("es-thanks", "Gracias por la entrevista de ayer.", True),
    ("es-recibirme", "Muchas gracias por recibirme ayer.", True),
    ("en-this-morning", "Thank you for this morning, and please pass my thanks to Graham.", True),
    ("en-debrief", "Thank you for yesterday's debrief; Jess's suggestion was spot on.", True),
    ("de-heute", "Herzlichen Dank für heute, ich habe viel über das Team erfahren.", True),
    ("fr-ce-matin", "Merci pour ce matin, j'ai beaucoup apprécié.", True),
    ("es-hoy", "¡Muchas gracias por lo de hoy!", True),
    ("es-el-tiempo", "Quería agradecerles a ti y a Alejandro por el tiempo de hoy.", True),
    ("es-el-espacio", "Mil gracias por el espacio de esta mañana.", True),
    ("en-organising", "Thanks again for organising today. Presenting to Marc was a lot of fun.",
     True),
    ("de-fachrunde", "Vielen Dank Ihnen und Frau Brandstätter für die intensive Fachrunde heute.",
     True),
    ("en-spending-the-morning", "Thank you all for spending the morning with me today.", True),
    ("en-great-time", "Thanks for moving things around. I had a great time with Evan today.",
     True),
    (
        "en-accommodating",
        "Thank you for accommodating me today. I appreciated the chance to speak with Ramon.",
        True,
    ),
    ("en-opportunity", "Thank you for the opportunity to meet the team on Friday.", True),
    (
        "en-follow-up-on-anything",
        "Thank you all for taking the time to meet with me today. I would be glad to follow up "
        "on anything we discussed.",
        True,
    ),
    ("en-today-confirm", "Thanks! Today at 3pm works for me.", False),
    ("en-scheduling", "Thanks, Tuesday works for me for the call.", False),
    (
        "en-accepted",
        "Thanks for reaching out, I've accepted the invite. Talk to you Tuesday!",
        False,
    ),
    (
        "en-checkin-thanks-again",
        "Thanks again for the interview last week. I wanted to check in "
        "on the status of my application.",
        False,
    ),
    ("de-confirm", "Vielen Dank, den Termin für das Gespräch bestätige ich gerne.", False),
    ("fr-confirm", "Merci, mardi 14h me convient pour l'entretien.", False),
    ("es-invitation", "Gracias por la invitación a la entrevista, me viene bien el martes.", False),
]


@pytest.mark.parametrize(
    ("body", "expected"),
    [case[1:] for case in THANKS_CASES],
    ids=[case[0] for case in THANKS_CASES],
)
def test_is_thank_you(body: str, expected: bool) -> None:
    assert is_thank_you(mail(body, outgoing=True)) is expected


def test_incoming_thanks_is_not_the_owners_thank_you() -> None:
    assert not is_thank_you(mail("Thank you for the great interview yesterday."))


CHECKIN_CASES = [
    ("en-checking-in", "I'm just checking in on the status of the role.", True),
    ("en-any-update", "Is there any update on the Data Engineer position?", True),
    ("en-follow-up", "I wanted to follow up on the status of my application.", True),
    ("en-decision", "I wanted to check in and see whether a decision has been made.", True),
    ("en-thanks-again", "Thanks again for the interview. Any news on your side?", True),
    ("de-neuigkeiten", "Gibt es schon Neuigkeiten zu meiner Bewerbung?", True),
    (
        "de-stand",
        "Ich wollte mich nach dem aktuellen Stand des Auswahlverfahrens erkundigen.",
        True,
    ),
    (
        "de-nachhaken",
        "Ich wollte freundlich nachhaken, ob inzwischen eine Entscheidung gefallen ist.",
        True,
    ),
    ("fr-revenir", "Je me permets de revenir vers vous concernant ma candidature.", True),
    ("fr-nouvelles", "Auriez-vous des nouvelles concernant le poste ?", True),
    ("es-novedades", "Quería saber si hay novedades sobre el proceso.", True),
    ("es-estado", "Quería preguntar por el estado del proceso de selección.", True),
    ("en-thank-you", "Thank you for the conversation yesterday, I enjoyed it.", False),
    ("en-scheduling", "Tuesday at 2pm works for me.", False),
    (
        "en-withdraw",
        "I'm following up to let you know I have decided to withdraw my application.",
        False,
    ),
    ("de-danke", "Vielen Dank für das angenehme Gespräch.", False),
]


@pytest.mark.parametrize(
    ("body", "expected"),
    [case[1:] for case in CHECKIN_CASES],
    ids=[case[0] for case in CHECKIN_CASES],
)
def test_is_checkin(body: str, expected: bool) -> None:
    assert is_checkin(mail(body, outgoing=True)) is expected


def test_incoming_status_question_is_not_a_checkin() -> None:
    assert not is_checkin(mail("Just checking in: any update on your availability?"))


def test_acknowledgement_that_mentions_a_conditional_interview_is_automatic() -> None:
    message = mail(
        "We have received your application. If your profile matches, we would like to invite "
        "you to an interview.",
        sender=NOREPLY,
    )
    assert automatic_reasons(message) == ("application acknowledgement",)
