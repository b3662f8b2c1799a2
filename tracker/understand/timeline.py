"""The other side's stated timeline in one message ("by Friday"), with its due date.

Phrases are matched with one table of rules per language (en, de, fr, es); every table runs
on every text, since a German recruiter may write one sentence in English. Each rule turns a
phrase into a due date per tests/corpus/CONVENTIONS.md, computed from the calendar date of
`sent_at` in its own offset. Vague promises ("soon", "demnächst", "prochainement",
"dans les prochains jours", "in the next few days") are kept with `due=None`.

Only promises of the other side's next step count. A phrase counts when its clause or
sentence carries a promise word (get back / hear from us / decision / wir melden uns /
nous reviendrons / le daremos...) and its own clause does not ask the reader to do
something ("please sign by Friday", "merci de renvoyer", "por favor, firme"). Of several
counting phrases the last one in the text wins.

Decisions the rule book leaves open, taken here:
- A weekday on its own ("by Friday", "next Friday", "nächsten Freitag") is the next such day
  strictly after the message date.
- "End of this week" written on a Saturday or Sunday means the coming Friday.
- "quinze jours" / "quince días" mean two weeks (14 days), as the idiom does.
- "in the next week" / "innerhalb einer Woche" are +7 days; "in der nächsten Woche" and
  "la semaine prochaine" are "next week" (Friday of the following week).
- An explicit date ("by November 27", "bis zum 27. November") is that date, this year if
  not yet past, else next year. A numeric one ("by 12/15", "avant le 15/12") is read in the
  order the country writes (month first in the US), else the other way when the first
  order is no date.
- "Wednesday next week" / "Mittwoch nächster Woche" / "mercredi de la semaine prochaine" is
  that weekday of the following week.
- "by Christmas" / "by Thanksgiving" is that day; "before Christmas" the day before it.
- "the end of the quarter" is the last day of the calendar quarter; "the end of the year"
  December 31; "mid-month" the next 15th; "the first week of December" the 7th; "the week
  after next" / "übernächste Woche" its Friday ("Anfang übernächster Woche" its Tuesday).
- A calendar week ("Ende KW 48", "in der Kalenderwoche 49") is its Friday (ISO weeks; "Anfang"
  its Tuesday, "Mitte" its Wednesday), this year if not yet past, else next year.
- "a week or two" and "a couple of weeks" are their upper bound, 14 days; "sous huitaine"
  is +8 days (like "within 8 days") and "sous quinzaine" +14 (like "quinze jours").
- "within 48 hours" is the day the last hour falls on (whole days: +2); "by tomorrow" +1; "by
  end of day" the message's own day.
- A phrase in a clause naming a time of day ("I'll call you on Monday at 10am") or an
  absence ("I'm out until Friday") is an appointment, not a promise.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tracker.understand.phrases import Phrases, compile_phrases
from tracker.workdays import add_business_days, next_business_day


@dataclass(frozen=True)
class StatedTimeline:
    """A promise of the other side: the phrase as written and its due date (None = vague)."""

    text: str
    due: date | None


@dataclass(frozen=True)
class _Context:
    sent: date
    country: str | None
    subdivision: str | None


_Resolve = Callable[[re.Match[str], _Context, "_Language"], date | None]


@dataclass(frozen=True)
class _Language:
    weekdays: Mapping[str, int]
    months: Mapping[str, int]
    numbers: Mapping[str, int]
    rules: tuple[tuple[Phrases, _Resolve], ...]
    promise: Phrases  # words that make a phrase the other side's promise
    # words that make it a deadline set for the reader, or a meeting being arranged
    request: Phrases


# --- date arithmetic -------------------------------------------------------------------


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _last_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _next_day_of_month(sent: date, day_of_month: int) -> date | None:
    """The next `day_of_month` on or after `sent` (skipping months too short for it)."""
    if not 1 <= day_of_month <= 31:
        return None
    for ahead in range(13):
        year, month = _add_months(sent, ahead)
        if day_of_month <= calendar.monthrange(year, month)[1]:
            candidate = date(year, month, day_of_month)
            if candidate >= sent:
                return candidate
    return None


def _in_month(sent: date, month: int, day_of_month: int | None) -> date | None:
    """Day `day_of_month` (None = last) of `month`, this year if not yet past, else next."""
    for year in (sent.year, sent.year + 1):
        last = calendar.monthrange(year, month)[1]
        if day_of_month is not None and day_of_month > last:
            continue
        candidate = date(year, month, day_of_month or last)
        if candidate >= sent:
            return candidate
    return None


# --- resolvers -------------------------------------------------------------------------


def _number(lang: _Language, word: str | None) -> int | None:
    if word is None:
        return None
    word = word.lower()
    if word.isdigit():
        return int(word)
    return lang.numbers.get(word)


def _upper(match: re.Match[str], lang: _Language) -> int | None:
    groups = match.groupdict()
    upper = None
    for name in ("m", "m2", "n", "n2"):
        upper = upper or _number(lang, groups.get(name))
    # A promise of 400 days is a misread number, not a timeline.
    return upper if upper is not None and 0 < upper <= 120 else None


def _weekday(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    target = lang.weekdays[match["wd"].lower()]
    ahead = (target - ctx.sent.weekday() - 1) % 7 + 1
    return ctx.sent + timedelta(days=ahead)


def _day_of_month(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    return _next_day_of_month(ctx.sent, int(match["day"].rstrip("er")))


def _explicit(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    groups = match.groupdict()
    month = groups.get("mon")
    number = int(month) if month else lang.months[match["month"].lower()]
    if not 1 <= number <= 12:
        return None
    return _in_month(ctx.sent, number, int(match["day"].rstrip("er")))


def _this_week(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    friday = _monday(ctx.sent) + timedelta(days=4)
    return friday if friday >= ctx.sent else friday + timedelta(days=7)


def _next_week_on(weekday: int) -> _Resolve:
    def resolve(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
        return _monday(ctx.sent) + timedelta(days=7 + weekday)

    return resolve


def _calendar_week(weekday: int) -> _Resolve:
    """"Ende KW 43", "in der Kalenderwoche 43": that day of ISO week `week`, this year if the
    week has not yet passed, else next year."""

    def resolve(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
        week = int(match["week"])
        for year in (ctx.sent.year, ctx.sent.year + 1):
            try:
                day = date.fromisocalendar(year, week, weekday + 1)
            except ValueError:
                continue
            if day >= ctx.sent:
                return day
        return None

    return resolve


def _business_days(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    n = _upper(match, lang)
    return None if n is None else add_business_days(ctx.sent, n, ctx.country, ctx.subdivision)


def _days_times(factor: int) -> _Resolve:
    def resolve(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
        n = _upper(match, lang)
        return None if n is None else ctx.sent + timedelta(days=n * factor)

    return resolve


def _hours(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    """"within 48 hours": the day the last of those hours falls on, counted in whole days."""
    n = _upper(match, lang)
    return None if n is None else ctx.sent + timedelta(days=-(-n // 24))


def _plus(days: int) -> _Resolve:
    def resolve(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
        return ctx.sent + timedelta(days=days)

    return resolve


def _end_of_month_after(months: int) -> _Resolve:
    def resolve(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
        return _last_of_month(*_add_months(ctx.sent, months))

    return resolve


def _next_month_day(day_of_month: int) -> _Resolve:
    def resolve(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
        year, month = _add_months(ctx.sent, 1)
        return date(year, month, day_of_month)

    return resolve


def _month_part(day_of_month: int | None) -> _Resolve:
    def resolve(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
        month = match.groupdict().get("month") or match["month2"]
        return _in_month(ctx.sent, lang.months[month.lower()], day_of_month)

    return resolve


def _weekday_week(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    """"Tuesday week" (British), "mardi en huit": a week after the next Tuesday."""
    return _weekday_weeks(1)(match, ctx, lang)


def _weekday_weeks(weeks: int) -> _Resolve:
    def resolve(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
        found = _weekday(match, ctx, lang)
        return None if found is None else found + timedelta(days=7 * weeks)

    return resolve


def _business_weeks(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    """"within two working weeks": five business days a week."""
    n = _upper(match, lang)
    return None if n is None else add_business_days(ctx.sent, 5 * n, ctx.country, ctx.subdivision)


def _business_days_fixed(n: int) -> _Resolve:
    """"une dizaine de jours ouvrés": `n` business days, the number not written as one."""

    def resolve(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
        return add_business_days(ctx.sent, n, ctx.country, ctx.subdivision)

    return resolve


def _named_day(month: int, day_of_month: int) -> _Resolve:
    """A day known by its name ("Nikolaustag", "Christmas Eve"); "before" it is the day before."""

    def resolve(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
        named = date(ctx.sent.year, month, day_of_month)
        if named < ctx.sent:
            named = date(ctx.sent.year + 1, month, day_of_month)
        return _by_or_before(named, match, ctx)

    return resolve


def _next_week_weekday(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    """"Wednesday next week", "Mittwoch nächster Woche": that day of the following week."""
    return _monday(ctx.sent) + timedelta(days=7 + lang.weekdays[match["wd"].lower()])


# Countries whose people write numeric dates month first (12/15); the rest write 15/12.
_MONTH_FIRST = frozenset({"US", "PH", "FM", "MH", "PW"})


def _numeric(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    """"12/15", "15/12", "15.12.", "2026-12-15": the order the country writes, else the other."""
    groups = match.groupdict()
    if groups.get("iso_y"):
        year, month, day = int(groups["iso_y"]), int(groups["iso_m"]), int(groups["iso_d"])
        if not 1 <= month <= 12 or day > calendar.monthrange(year, month)[1] or day < 1:
            return None
        found = date(year, month, day)
        return found if found >= ctx.sent else None
    first, second = int(match["a"]), int(match["b"])
    month_first = lang is ENGLISH and (ctx.country or "").upper() in _MONTH_FIRST
    orders = [(first, second), (second, first)]
    if not month_first:
        orders.reverse()
    for month, day in orders:
        if 1 <= month <= 12 and 1 <= day <= 31:
            return _in_month(ctx.sent, month, day)
    return None


def _quarter_end(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    """The last day of the message's calendar quarter."""
    return _last_of_month(ctx.sent.year, ((ctx.sent.month - 1) // 3 + 1) * 3)


def _year_end(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    return date(ctx.sent.year, 12, 31)


def _mid_month(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    """"mid-month": the 15th of this month, or of the next once this one's has passed."""
    return _next_day_of_month(ctx.sent, 15)


_BEFORE = re.compile(r"(?:before|prior\s+to|ahead\s+of|vor|avant|antes)\b", re.IGNORECASE)


def _by_or_before(named: date, match: re.Match[str], ctx: _Context) -> date | None:
    """`named`, or the day before it when the phrase says "before"; None once that has passed."""
    due = named - timedelta(days=1) if _BEFORE.match(match.group(0)) else named
    return due if due >= ctx.sent else None


def _christmas(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    """"by Christmas" is Christmas Day; "before Christmas" the day before it."""
    return _by_or_before(date(ctx.sent.year, 12, 25), match, ctx)


def _thanksgiving_day(year: int) -> date:
    """US Thanksgiving: the fourth Thursday of November."""
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21)


def _thanksgiving(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    """US Thanksgiving; "before Thanksgiving" the day before."""
    return _by_or_before(_thanksgiving_day(ctx.sent.year), match, ctx)


def _weekday_after_thanksgiving(
    match: re.Match[str], ctx: _Context, lang: _Language
) -> date | None:
    """"the Monday after Thanksgiving": the first such weekday after the fourth Thursday (of
    next year once this year's has passed)."""
    wanted = lang.weekdays[match["wd"].lower()]
    for year in (ctx.sent.year, ctx.sent.year + 1):
        thanksgiving = _thanksgiving_day(year)
        due = thanksgiving + timedelta(days=(wanted - thanksgiving.weekday()) % 7 or 7)
        if due >= ctx.sent:
            return due
    return None


def _after_holidays(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    new_year = date(ctx.sent.year + 1, 1, 1)
    return next_business_day(new_year, ctx.country, ctx.subdivision)


def _vague(match: re.Match[str], ctx: _Context, lang: _Language) -> date | None:
    return None


# --- the tables ------------------------------------------------------------------------


def _alternatives(words: Mapping[str, int]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


def _language(
    *,
    weekdays: Mapping[str, int],
    months: Mapping[str, int],
    numbers: Mapping[str, int],
    rules: list[tuple[str, _Resolve]],
    promise: str,
    request: str,
) -> _Language:
    slots = {
        "WD": _alternatives(weekdays),
        "MONTH": _alternatives(months),
        "NUM": r"\d{1,3}|" + _alternatives(numbers),
    }
    flags = re.IGNORECASE | re.VERBOSE
    compiled = tuple(
        (compile_phrases(pattern.format(**slots), flags), resolve) for pattern, resolve in rules
    )
    return _Language(
        weekdays=weekdays,
        months=months,
        numbers=numbers,
        rules=compiled,
        promise=compile_phrases(promise, flags),
        request=compile_phrases(request, flags),
    )


_DASH = r"\s*(?:-|–|—)\s*"

# Deadline words before a date or weekday ("by", "no later than", "on or before"...).
_EN_BY = (
    r"(?:by|before|until|till|(?:no|not)\s+later\s+than|on\s+or\s+before|prior\s+to"
    r"|(?:at\s+the\s+)?latest\s+by)"
)
# "by close of business", "by EOD": the day itself.
_EN_DAY_END = (
    r"(?:(?:the\s+)?(?:end|close)\s+of\s+(?:the\s+)?(?:business\s+)?(?:day|business|play)\s+"
    r"(?:on\s+)?|EOD\s+|COB\s+|EOB\s+)"
)
# "within the next", "in about", "over the coming"...: the start of a span of days or weeks.
_EN_SPAN = (
    r"\b(?:within|in|inside(?:\s+of)?|over|during)\s+(?:the\s+)?(?:(?:next|coming|following)\s+)?"
    r"(?:(?:about|around|roughly|approximately|another|a\s+further|some)\s+)?"
)
_EN_RANGE = r"(?:(?:" + _DASH + r"|\s+to\s+|\s+or\s+)(?P<m>{NUM}))?"

ENGLISH = _language(
    weekdays={
        "monday": 0,
        "tuesday": 1,
        "wednesday": 2,
        "thursday": 3,
        "friday": 4,
        "saturday": 5,
        "sunday": 6,
        "mon": 0,
        "tue": 1,
        "tues": 1,
        "wed": 2,
        "thu": 3,
        "thur": 3,
        "thurs": 3,
        "fri": 4,
    },
    months={
        "january": 1,
        "jan": 1,
        "february": 2,
        "feb": 2,
        "march": 3,
        "mar": 3,
        "april": 4,
        "apr": 4,
        "may": 5,
        "june": 6,
        "jun": 6,
        "july": 7,
        "jul": 7,
        "august": 8,
        "aug": 8,
        "september": 9,
        "sept": 9,
        "sep": 9,
        "october": 10,
        "oct": 10,
        "november": 11,
        "nov": 11,
        "december": 12,
        "dec": 12,
    },
    numbers={
        "a": 1,
        "an": 1,
        "one": 1,
        "two": 2,
        "a couple of": 2,
        "a couple": 2,
        "couple of": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
        "ten": 10,
        "eleven": 11,
        "twelve": 12,
        "fourteen": 14,
        "fifteen": 15,
        "twenty": 20,
        "thirty": 30,
    },
    rules=[
        (
            r"\b(?:" + _EN_BY + r"|on)\s+(?:(?:{WD}),?\s+)?(?:the\s+)?"
            r"(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+(?P<month>{MONTH})\b"
            r"(?:,?\s+20\d\d\b)?",
            _explicit,
        ),
        (
            r"\b(?:" + _EN_BY + r"|on)\s+(?:(?:{WD}),?\s+)?(?P<month>{MONTH})\.?"
            r"\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)(?:,?\s+20\d\d\b)?",
            _explicit,
        ),
        (
            r"\b(?:" + _EN_BY + r"|on|(?:target|goal|date|deadline)\b[\w ]{{0,30}}?\s+is"
            r"(?:\s+now)?)\s+(?:(?:{WD}),?\s+)?(?:the\s+)?"
            r"(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})(?:/(?:20)?\d\d)?\b(?!/)"
            r"|\b(?:" + _EN_BY + r"|on)\s+(?P<iso_y>20\d\d)-(?P<iso_m>\d\d)-(?P<iso_d>\d\d)\b",
            _numeric,
        ),
        (
            r"\b(?:" + _EN_BY + r"|on)\s+(?:this\s+(?:coming\s+)?|next\s+)?"
            r"(?:{WD}),?\s+(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?!:|\.\d|/)",
            _day_of_month,
        ),
        (
            r"\b" + _EN_BY + r"\s+" + _EN_DAY_END + r"?the\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"
            r"(?!\s*(?:business|working|days|weeks))",
            _day_of_month,
        ),
        (r"\b(?:by|before|until)\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)\b", _day_of_month),
        (
            r"\b(?:(?:" + _EN_BY + r"|on)\s+" + _EN_DAY_END + r"?|" + _EN_DAY_END + r")?"
            r"(?P<wd>{WD})\s+(?:of\s+)?(?:next|the\s+following)\s+week\b",
            _next_week_weekday,
        ),
        (
            r"\b(?:(?:" + _EN_BY + r"|on)\s+" + _EN_DAY_END + r"?(?:this\s+(?:coming\s+)?|next\s+)?"
            r"|" + _EN_DAY_END + r"|this\s+(?:coming\s+)?|next\s+)(?P<wd>{WD})\b",
            _weekday,
        ),
        (
            r"\b(?:by\s+|before\s+)?(?:the\s+)?end\s+of\s+(?:this|the)\s+(?:coming\s+)?week\b"
            r"|\blater\s+this\s+week\b|\b(?:by|before)\s+the\s+weekend\b|\bby\s+EOW\b"
            r"|\bbefore\s+the\s+week\s+(?:is\s+out|ends|is\s+over)\b"
            r"|\b(?:sometime\s+)?this\s+week\b",
            _this_week,
        ),
        (
            r"\b(?:by\s+|before\s+)?(?:the\s+)?end\s+of\s+(?:next|the\s+following)\s+week\b"
            r"|\b(?:sometime\s+|some\s+time\s+|during\s+|by\s+|later\s+|late\s+)?next\s+week\b",
            _next_week_on(4),
        ),
        (
            r"\b(?:early|(?:at\s+)?the\s+(?:beginning|start)\s+of|first\s+thing)\s+next\s+week\b",
            _next_week_on(1),
        ),
        (r"\b(?:by\s+)?(?:mid-?\s*|(?:the\s+)?middle\s+of\s+)next\s+week\b", _next_week_on(2)),
        (r"\b(?:by\s+)?(?:the\s+)?(?:end\s+of\s+)?the\s+week\s+after\s+next\b", _next_week_on(11)),
        (
            _EN_SPAN + r"(?P<n>{NUM})" + _EN_RANGE + r"\s+(?:business|working)\s+days?\b"
            r"|\b(?P<n2>\d{{1,2}})(?:" + _DASH + r"|\s+to\s+)(?P<m2>\d{{1,2}})"
            r"\s+(?:business|working)\s+days\b",
            _business_days,
        ),
        (
            _EN_SPAN + r"(?P<n>{NUM})" + _EN_RANGE + r"\s+(?:calendar\s+)?days?\b"
            r"(?:['’]s?\s+time)?",
            _days_times(1),
        ),
        (
            _EN_SPAN + r"(?P<n>{NUM})" + _EN_RANGE + r"\s+(?:more\s+)?weeks?\b"
            r"(?:\s+or\s+(?P<m2>{NUM})(?:\s+weeks)?\b)?(?:['’]s?\s+time)?",
            _days_times(7),
        ),
        (r"\b(?:with)?in\s+the\s+next\s+week\b", _plus(7)),
        (
            r"\b(?P<n>{NUM})" + _EN_RANGE
            + r"\s+(?:business|working)\s+days?\s+from\s+(?:today|now)\b",
            _business_days,
        ),
        (r"\b(?P<n>{NUM})" + _EN_RANGE + r"\s+days?\s+from\s+(?:today|now)\b", _days_times(1)),
        (r"\b(?P<n>{NUM})" + _EN_RANGE + r"\s+weeks?\s+from\s+(?:today|now)\b", _days_times(7)),
        (r"\ba\s+week\s+(?:from\s+)?today\b", _plus(7)),
        # "a week on Friday" (British): a week after the next Friday, like "Friday week".
        (r"\ba\s+week\s+on\s+(?P<wd>{WD})\b", _weekday_week),
        # "I'd expect about seven business days", "please allow 7 working days".
        (
            r"\b(?:expect|allow|give\s+(?:us|me)|take|takes|need)\s+(?:(?:about|around|roughly|"
            r"approximately|up\s+to)\s+)?(?P<n>{NUM})" + _EN_RANGE
            + r"\s+(?:business|working)\s+days?\b",
            _business_days,
        ),
        (r"\ba\s+fortnight\s+(?:from\s+)?today\b", _plus(14)),
        (
            r"\b(?:(?:" + _EN_BY + r"|on)\s+" + _EN_DAY_END + r"?|" + _EN_DAY_END + r")?"
            r"(?P<wd>{WD})\s+week\b",
            _weekday_week,
        ),
        (_EN_SPAN + r"(?P<n>{NUM})" + _EN_RANGE + r"\s+hours?\b", _hours),
        (r"\bby\s+tomorrow\b", _plus(1)),
        (r"\bby\s+(?:the\s+)?end\s+of\s+(?:the\s+)?day\b|\bby\s+EOD\b|\blater\s+today\b", _plus(0)),
        (r"\b(?:with)?in\s+(?:a|one|the\s+next|the)\s+fortnight\b", _plus(14)),
        (
            _EN_SPAN + r"(?P<n>{NUM})\s+(?:business|working)\s+weeks?\b",
            _business_weeks,
        ),
        (
            r"\b(?:by\s+|before\s+)?(?:the\s+)?end\s+of\s+(?:the|this)\s+month\b"
            r"|\b(?:by\s+)?month[-\s]end\b|\blater\s+this\s+month\b"
            r"|\bbefore\s+the\s+month\s+(?:is\s+out|ends|is\s+over)\b",
            _end_of_month_after(0),
        ),
        (
            r"\b(?:by\s+|before\s+)?(?:the\s+)?end\s+of\s+next\s+month\b"
            r"|\b(?:sometime\s+)?next\s+month\b",
            _end_of_month_after(1),
        ),
        (
            r"\b(?:early|(?:at\s+)?the\s+(?:beginning|start)\s+of)\s+next\s+month\b",
            _next_month_day(5),
        ),
        (
            r"\b(?:by\s+)?(?:mid-?\s*month|(?:the\s+)?middle\s+of\s+(?:the|this)\s+month)\b",
            _mid_month,
        ),
        (
            r"\b(?:by\s+|before\s+)?(?:the\s+)?end\s+of\s+(?:the|this)\s+quarter\b"
            r"|\b(?:by\s+)?quarter[-\s]end\b",
            _quarter_end,
        ),
        (
            r"\b(?:by\s+|before\s+)?(?:the\s+)?end\s+of\s+(?:the|this)\s+year\b"
            r"|\b(?:by\s+)?year[-\s]end\b",
            _year_end,
        ),
        (
            r"\b(?:by\s+|in\s+|around\s+)?(?:mid-?\s*|the\s+middle\s+of\s+)(?P<month>{MONTH})\b",
            _month_part(15),
        ),
        (
            r"\b(?:by\s+|in\s+)?(?:early|the\s+(?:beginning|start)\s+of)\s+(?P<month>{MONTH})\b",
            _month_part(5),
        ),
        (
            r"\b(?:by|in|during|before)\s+(?:the\s+end\s+of\s+)?the\s+first\s+week\s+of\s+"
            r"(?P<month>{MONTH})\b",
            _month_part(7),
        ),
        (
            r"\b(?:by\s+|before\s+)?(?:the\s+)?end\s+of\s+(?P<month>{MONTH})\b|\b(?:in\s+)?late\s+"
            r"(?P<month2>{MONTH})\b",
            _month_part(None),
        ),
        (
            r"\b(?:by|before|prior\s+to|ahead\s+of)\s+(?:the\s+)?(?:Christmas|Xmas)\b"
            r"(?:\s+(?:break|holidays?|period))?",
            _christmas,
        ),
        (
            r"\b(?:by|before|prior\s+to|ahead\s+of)\s+(?:the\s+)?Thanksgiving\b"
            r"(?:\s+(?:break|holiday|weekend))?",
            _thanksgiving,
        ),
        (
            r"\b(?:by|before|prior\s+to|ahead\s+of)\s+(?:Veterans|Remembrance|Armistice)\s+Day\b",
            _named_day(11, 11),
        ),
        (r"\b(?:by|before|prior\s+to|ahead\s+of)\s+Halloween\b", _named_day(10, 31)),
        (r"\b(?:the\s+)?(?P<wd>{WD})\s+after\s+Thanksgiving\b", _weekday_after_thanksgiving),
        (r"\b(?:by|before|prior\s+to|ahead\s+of)\s+Christmas\s+Eve\b", _named_day(12, 24)),
        (r"\b(?:by|before|prior\s+to|ahead\s+of)\s+New\s+Year['’]?s\s+Eve\b", _named_day(12, 31)),
        (
            r"\b(?:after|following)\s+the\s+(?:holidays|holiday\s+(?:season|break)|new\s+year"
            r"|christmas(?:\s+(?:break|holidays))?|festive\s+(?:season|period))\b"
            r"|\b(?:early\s+)?in\s+the\s+new\s+year\b|\bafter\s+(?:Christmas|New\s+Year['’]?s?)\b"
            r"|\b(?:in\s+)?(?:early|the\s+first\s+week\s+of)\s+January\b(?=[^.]*\b(?:holiday|break))",
            _after_holidays,
        ),
        (
            r"(?<!as\ )\b(?:very\s+)?soon\b(?!\ as\b)|\bshortly\b|\bin\s+due\s+course\b"
            r"|\bin\s+the\s+(?:coming|next\s+few)\s+(?:days|weeks)\b"
            r"|\bover\s+the\s+(?:next|coming)\s+(?:few\s+)?(?:days|weeks)\b"
            r"|\bin\s+a\s+few\s+(?:days|weeks)\b|\bas\s+soon\s+as\s+(?:possible|we\s+can|we\s+\w+)"
            r"|\bASAP\b|\bbefore\s+long\b|\bin\s+the\s+near\s+future\b",
            _vague,
        ),
    ],
    promise=r"""\b(?:get(?:ting)?\s+back|hear\s+(?:back|from\s+(?:us|me|the|our|them|him|her))
        |back\s+to\s+you|(?<!your\ )decision|decide|update|let\s+you\s+know|feedback
        |be\s+in\s+touch|reach\s+out|follow\s+up|come\s+back|next\s+steps?|respond|response
        |(?<!your\ )answer|outcome|news|finali[sz]e|wrap\s+up|conclude|revert
        |(?:write|e-?mail)\s+(?:to\s+)?you|expect(?:ing)?|get\s+in\s+touch|contact\s+you
        |circle\s+back|(?:we|I|they|he|she)(?:['’]ll|\s+will|\s+should|\s+shall|\s+hope|\s+aim
        |\s+plan|\s+intend|\s+would|['’]d\s+(?:like|hope|aim|expect)
        |\s+(?:am|are|is)\s+(?:going|hoping|aiming|planning|looking)\s+to
        |['’](?:re|m|s)\s+(?:going|hoping|aiming|planning|looking)\s+to)
        |our\s+(?:team|goal|aim|plan|hope|target|intention|timeline)|the\s+plan\s+is|timeline
        |time\s*frame|(?:hiring|recruiting)\s+(?:team|manager)|promised?
        |(?:they|he|she|the\s+client)(?:['’]ve|\s+have|\s+has|['’]s)?\s+(?:now\s+)?(?:said|told\s+(?:me|us))
        |you(?:['’]ll|\s+will|\s+should)\s+(?:hear|receive|get|have|know)
        |give\s+you\s+a\s+(?:call|ring|shout)|(?:call|ring)\s+you)\b""",
    request=r"""\b(?:please(?!\s+(?:allow|expect|bear|be\s+patient))
        |kindly|could\s+you|can\s+you|would\s+you|(?<!someone\ )sign(?:ed)?
        |return\s+the
        |send\s+(?:us|me|over|back)|your\s+availability|submit|complete\s+the|fill
        |(?<!will\ )(?<!['’]ll\ )(?<!they\ )(?<!should\ )(?<!to\ )confirm|let\s+us\s+know|reply\s+by
        |your\s+decision|accept|deadline\s+for\s+you
        |if\s+you\s+(?:can|could)|meet\s+(?:with\s+)?you|interview\s+you|invite\s+you
        |for\s+an?\s+(?:\w+\s+){0,2}(?:interview|call|chat)|schedule\s+(?:a|an|the|your)
        |calendar\s+invit\w*|(?:talk|speak|see\s+you)\s+soon|see\s+you|join\s+us
        |(?:talk|speak|chat)\s+(?:to\s+you\s+|with\s+you\s+)?(?:on|then|next|this)
        |(?:we|I)(?:['’]re|\s+are|['’]m|\s+am)\s+(?:out|away|off)|out\s+of\s+(?:the\s+)?office
        |off\s+sick|out\s+sick|on\s+(?:annual\s+|parental\s+|sick\s+)?(?:leave|holiday|vacation)
        |travell?ing
        |at\s+\d{1,2}(?::\d\d)?\s*(?:am|pm)|at\s+\d{1,2}:\d\d|not\s+counting|excluding
        |(?:is|['’]s)\s+a\s+(?:bank|public)\s+holiday)\b""",
)

# "innerhalb von", "in den kommenden", "binnen ca.": the start of a span of days or weeks.
_DE_SPAN = (
    r"\b(?:innerhalb\s+(?:von\s+|der\s+(?:nächsten|kommenden)\s+)?"
    r"|in\s+(?:den\s+(?:nächsten|kommenden)\s+)?|binnen\s+|innert\s+)"
    r"(?:(?:ca\.|circa|etwa|ungefähr|rund)\s+)?"
)

GERMAN = _language(
    weekdays={
        "montag": 0,
        "dienstag": 1,
        "mittwoch": 2,
        "donnerstag": 3,
        "freitag": 4,
        "samstag": 5,
        "sonntag": 6,
    },
    months={
        "januar": 1,
        "jänner": 1,
        "februar": 2,
        "märz": 3,
        "april": 4,
        "mai": 5,
        "juni": 6,
        "juli": 7,
        "august": 8,
        "september": 9,
        "oktober": 10,
        "november": 11,
        "dezember": 12,
        "jan": 1,
        "feb": 2,
        "mär": 3,
        "apr": 4,
        "jun": 6,
        "jul": 7,
        "aug": 8,
        "sep": 9,
        "sept": 9,
        "okt": 10,
        "nov": 11,
        "dez": 12,
    },
    numbers={
        "ein": 1,
        "eine": 1,
        "einer": 1,
        "einem": 1,
        "zwei": 2,
        "drei": 3,
        "vier": 4,
        "fünf": 5,
        "sechs": 6,
        "sieben": 7,
        "acht": 8,
        "neun": 9,
        "zehn": 10,
        "elf": 11,
        "zwölf": 12,
        "zwanzig": 20,
        "dreißig": 30,
        "dreissig": 30,
        "vierzehn": 14,
    },
    rules=[
        (
            r"\b(?:bis|vor|am)\s+(?:(?:{WD}),?\s+)?(?:(?:zum|den|spätestens(?:\s+zum)?)\s+)?"
            r"(?P<day>\d{{1,2}})\.\s*(?P<month>{MONTH})\b",
            _explicit,
        ),
        (
            r"\b(?:bis|vor|am)\s+(?:spätestens\s+)?(?:(?:{WD}),?\s+)?"
            r"(?:(?:zum|den|spätestens(?:\s+zum)?)\s+)?"
            r"(?P<day>\d{{1,2}})\.(?P<mon>\d{{1,2}})\.?(?:\d{{2,4}})?",
            _explicit,
        ),
        (
            r"\b(?:bis|am)\s+(?:(?:zum|kommenden|diesen|spätestens)\s+)?(?:{WD}),?\s+(?:den\s+)?"
            r"(?P<day>\d{{1,2}})\.(?!\s*(?:\d|{MONTH}))",
            _day_of_month,
        ),
        (
            r"\bbis\s+(?:spätestens\s+)?zum\s+(?P<day>\d{{1,2}})\.(?!\s*(?:\d|{MONTH}))",
            _day_of_month,
        ),
        (
            r"\b(?:(?:bis|am|vor)\s+(?:spätestens\s+)?(?:am\s+)?)?(?P<wd>{WD})\s+"
            r"(?:der\s+)?(?:nächste[nr]?|kommende[nr]?)\s+Woche\b",
            _next_week_weekday,
        ),
        (
            r"\b(?:(?:bis|am|vor)\s+(?:spätestens\s+)?(?:am\s+)?|spätestens\s+(?:bis\s+|am\s+)?)"
            r"(?:(?:zum|kommenden|diesen|nächsten)\s+)?(?P<wd>{WD})\b",
            _weekday,
        ),
        (
            r"\b(?:bis\s+)?(?:zum\s+)?Ende\s+(?:dieser|der|diese)\s+Woche\b"
            r"|\b(?:noch\s+|im\s+Laufe\s+)?(?:dieser|diese)\s+Woche\b",
            _this_week,
        ),
        (
            r"\b(?:bis\s+)?(?:zum\s+)?Ende\s+(?:der\s+)?(?:nächste[nr]?|kommende[nr]?)\s+Woche\b"
            r"|\b(?:im\s+Laufe\s+der\s+|in\s+der\s+)?(?:nächste[nr]?|kommende[nr]?)\s+Woche\b",
            _next_week_on(4),
        ),
        (
            r"\b(?:bis\s+)?(?:zum\s+)?Anfang\s+(?:der\s+)?(?:nächste[nr]?|kommende[nr]?)\s+Woche\b",
            _next_week_on(1),
        ),
        (
            r"\b(?:bis\s+)?Mitte\s+(?:der\s+)?(?:nächste[nr]?|kommende[nr]?)\s+Woche\b",
            _next_week_on(2),
        ),
        (
            r"\b(?:bis\s+)?(?:(?:zum\s+)?Ende\s+)?(?:der\s+)?übernächste[nr]?\s+Woche\b",
            _next_week_on(11),
        ),
        (
            r"\b(?:bis\s+)?(?:zum\s+)?Anfang\s+(?:der\s+)?übernächste[nr]?\s+Woche\b",
            _next_week_on(8),
        ),
        (r"\b(?:bis\s+)?Mitte\s+(?:der\s+)?übernächste[nr]?\s+Woche\b", _next_week_on(9)),
        (
            r"\b(?:bis\s+)?(?:zum\s+)?Anfang\s+(?:der\s+)?(?:KW|Kalenderwoche)\s*(?P<week>\d{{1,2}})\b",
            _calendar_week(1),
        ),
        (
            r"\b(?:bis\s+)?Mitte\s+(?:der\s+)?(?:KW|Kalenderwoche)\s*(?P<week>\d{{1,2}})\b",
            _calendar_week(2),
        ),
        (
            r"\b(?:(?:bis\s+)?(?:zum\s+)?Ende\s+(?:der\s+)?|bis\s+(?:zur\s+)?|in\s+(?:der\s+)?"
            r"|im\s+Laufe\s+der\s+)"
            r"(?:KW|Kalenderwoche)\s*(?P<week>\d{{1,2}})\b",
            _calendar_week(4),
        ),
        (
            _DE_SPAN
            + r"(?P<n>{NUM})(?:(?:" + _DASH + r"|\s+bis\s+)(?P<m>{NUM}))?\s+"
            r"(?:Werktag|Arbeitstag|Geschäftstag)(?:e|en)?\b",
            _business_days,
        ),
        (
            _DE_SPAN
            + r"(?P<n>{NUM})(?:(?:" + _DASH + r"|\s+bis\s+)(?P<m>{NUM}))?\s+Tag(?:e|en)?\b",
            _days_times(1),
        ),
        (
            _DE_SPAN
            + r"(?P<n>{NUM})(?:(?:" + _DASH + r"|\s+bis\s+)(?P<m>{NUM}))?\s+Woche(?:n)?\b",
            _days_times(7),
        ),
        (r"\binnerhalb\s+der\s+(?:nächsten|kommenden)\s+Woche\b", _plus(7)),
        (
            _DE_SPAN
            + r"(?P<n>{NUM})(?:(?:" + _DASH + r"|\s+bis\s+)(?P<m>{NUM}))?\s+Stunden\b",
            _hours,
        ),
        (r"\bbis\s+morgen\b", _plus(1)),
        (
            r"\b(?:bis\s+)?(?:zum\s+)?(?:Ende\s+(?:des|dieses)\s+Quartals|Quartalsende)\b",
            _quarter_end,
        ),
        (
            r"\b(?:bis\s+)?(?:zum\s+)?(?:Ende\s+(?:des|dieses)\s+Jahres|Jahresende)\b",
            _year_end,
        ),
        (r"\b(?:bis|vor)\s+Weihnachten\b", _christmas),
        (r"\b(?:bis|vor)\s+(?:zum\s+|dem\s+)?Nikolaus(?:tag)?\b", _named_day(12, 6)),
        (r"\b(?:bis|vor)\s+(?:zum\s+|dem\s+)?Heiligabend\b", _named_day(12, 24)),
        (r"\b(?:bis|vor)\s+(?:zu\s+)?Silvester\b", _named_day(12, 31)),
        (
            r"\b(?:bis\s+)?(?:zum\s+)?Ende\s+(?:des|dieses)\s+Monats\b"
            r"|\b(?:bis\s+)?(?:zum\s+)?Monatsende\b|\b(?:noch\s+)?(?:in\s+)?diese[nm]\s+Monat\b",
            _end_of_month_after(0),
        ),
        (
            r"\b(?:bis\s+)?(?:zum\s+)?Ende\s+(?:des\s+)?(?:nächsten|kommenden)\s+Monats\b"
            r"|\b(?:im\s+)?(?:nächsten|kommenden)\s+Monat\b",
            _end_of_month_after(1),
        ),
        (r"\b(?:bis\s+)?(?:zur\s+)?Mitte\s+(?P<month>{MONTH})\b", _month_part(15)),
        (r"\b(?:bis\s+)?(?:zum\s+)?Anfang\s+(?P<month>{MONTH})\b", _month_part(5)),
        (r"\b(?:bis\s+)?(?:zum\s+)?Ende\s+(?P<month>{MONTH})\b", _month_part(None)),
        (
            r"\bnach\s+den\s+(?:Weihnachts)?(?:Feiertagen|Festtagen)\b"
            r"|\bnach\s+(?:dem\s+)?(?:Jahreswechsel|Neujahr)\b|\bim\s+neuen\s+Jahr\b"
            r"|\bnach\s+(?:den\s+)?Weihnachten\b",
            _after_holidays,
        ),
        (
            r"\bdemnächst\b|\bin\s+Kürze\b|\bbald(?:möglichst|igst)?\b|\bzeitnah\b"
            r"|\bin\s+den\s+(?:kommenden|nächsten)\s+(?:Tagen|Wochen)\b"
            r"|\bso\s+(?:bald|schnell)\s+wie\s+möglich\b|\bschnellstmöglich\b|\bkurzfristig\b",
            _vague,
        ),
    ],
    promise=r"""(?:\bmelden?\b|\bzurückmelden|\bwerden\s+uns|\bwird\s+sich|\brechne[nt]?\b
        |\bentscheid\w*|\btrifft\b
        |\bvoraussichtlich\b
        |\b(?:erhalten|bekommen|hören)\s+Sie|\bgeht\s+es\s+(?:\w+\s+){0,8}weiter|\bweitergehen
        |\babschließen|\bentscheiden|\bErgebnis|\bZeitplan|\bich\s+werde|\bunser\s+Ziel
        |\bwir\s+(?:wollen|streben)|\brechnen\b|\bRückmeldung|\bEntscheidung|\bBescheid
        |\bzurückkommen|\bkommen\s+\w+\s+(?:\w+\s+)?zurück|\bvon\s+uns\b|\bhören\s+Sie|\binformieren
        |\bFeedback|\bAntwort|\bin\s+Verbindung|\bUpdate|\bwir\s+werden|\bwerden\s+wir
        |\bwir\s+(?:möchten|planen|hoffen|gehen\s+davon)|\bdas\s+Team|\bmitteilen|\bNachricht
        |\bnächsten\s+Schritte)""",
    request=r"""\b(?:bitte|unterschreiben|unterschrieben|unterzeichne\w*|senden\s+Sie
        |schicken\s+Sie|Ihre\s+Verfügbarkeit|zurücksenden|reichen\s+Sie|teilen\s+Sie\s+uns
        |geben\s+Sie\s+uns|einreichen|bestätigen\s+Sie|Ihre\s+Entscheidung|könnten\s+Sie
        |einladen|Einladung|zu\s+einem\s+\w*(?:interview|gespräch)|kennenlernen|bis\s+bald
        |Urlaub|krank|Dienstreise|nicht\s+im\s+Büro|abwesend|nicht\s+mitgezählt
        |(?:ist|sind)\s+(?:ein\s+)?Feiertag)\b""",
)

# "au plus tard", "d'ici", "avant": deadline words before a day ("au plus tard vendredi").
_FR_BY = r"\b(?:(?:au\s+plus\s+tard|d['’]ici|avant|pour|jusqu['’]à)\s+)?(?:le\s+)?"
# "sous", "dans les", "d'ici", "au cours des": the start of a span of days or weeks.
_FR_SPAN = (
    r"(?:\bsous|\bdans|\bd['’]ici|\bdans\s+un\s+délai\s+(?:maximum\s+)?de|\ben"
    r"|\bau\s+cours\s+des|\bd['’]ici\s+les|\bendéans)\s+(?:les\s+)?"
    r"(?:(?:environ|à\s+peu\s+près)\s+)?"
)

FRENCH = _language(
    weekdays={
        "lundi": 0,
        "mardi": 1,
        "mercredi": 2,
        "jeudi": 3,
        "vendredi": 4,
        "samedi": 5,
        "dimanche": 6,
    },
    months={
        "janvier": 1,
        "février": 2,
        "fevrier": 2,
        "mars": 3,
        "avril": 4,
        "mai": 5,
        "juin": 6,
        "juillet": 7,
        "août": 8,
        "aout": 8,
        "septembre": 9,
        "octobre": 10,
        "novembre": 11,
        "décembre": 12,
        "decembre": 12,
        "janv": 1,
        "févr": 2,
        "déc": 12,
    },
    numbers={
        "un": 1,
        "une": 1,
        "deux": 2,
        "trois": 3,
        "quatre": 4,
        "cinq": 5,
        "six": 6,
        "sept": 7,
        "huit": 8,
        "neuf": 9,
        "dix": 10,
        "onze": 11,
        "douze": 12,
        "vingt": 20,
        "trente": 30,
    },
    rules=[
        (
            r"(?:\bd['’]ici\s+(?:au\s+|le\s+)?|\bavant\s+le\s+|\bjusqu['’]au\s+|\ble\s+|\bpour\s+le\s+"
            r"|\bau\s+plus\s+tard\s+le\s+)"
            r"(?:(?:{WD})\s+)?(?P<day>\d{{1,2}}|1er)\s+(?P<month>{MONTH})\b",
            _explicit,
        ),
        (
            r"(?:\bd['’]ici|\bavant|\bjusqu['’]à|\bpour)\s+(?:le\s+)?(?:{WD})\s+(?P<day>\d{{1,2}})\b"
            r"(?!\s*(?:{MONTH}))",
            _day_of_month,
        ),
        (
            r"\b(?:{WD})\s+(?P<day>\d{{1,2}})\s+au\s+plus\s+tard\b",
            _day_of_month,
        ),
        (
            r"(?:\bd['’]ici\s+le|\bavant\s+le|\bjusqu['’]au|\bpour\s+le|\bau\s+plus\s+tard\s+le)\s+"
            r"(?P<day>\d{{1,2}})\b"
            r"(?!\s*(?:{MONTH}|jours?|semaines?|/))",
            _day_of_month,
        ),
        (
            r"(?:(?:\bd['’]ici|\bavant|\bjusqu['’]à|\bpour|\bau\s+plus\s+tard)\s+(?:le\s+)?)?"
            r"(?P<wd>{WD})\s+de\s+la\s+semaine\s+prochaine\b",
            _next_week_weekday,
        ),
        (
            r"(?:\bd['’]ici|\bavant|\bjusqu['’]à|\bpour|\bdès|\bau\s+plus\s+tard)\s+(?:le\s+)?"
            r"(?P<wd>{WD})(?:\s+prochain)?\b",
            _weekday,
        ),
        (
            r"(?:\bd['’]ici|\bavant|\bjusqu['’]au|\bpour|\bau\s+plus\s+tard|\ble)\s+(?:le\s+)?"
            r"(?:(?:{WD})\s+)?(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})(?:/(?:20)?\d\d)?\b(?!/)",
            _numeric,
        ),
        (
            r"\bd['’]ici\s+(?:à\s+)?la\s+fin\s+de\s+(?:la|cette)\s+semaine\b(?!\s+prochaine)"
            r"|\ben\s+fin\s+de\s+semaine\b(?!\s+prochaine)"
            r"|\b(?:dans\s+le\s+courant\s+de\s+|dans\s+)?cette\s+semaine\b",
            _this_week,
        ),
        (
            r"(?:\bd['’]ici\s+(?:à\s+)?|\ben\s+)?(?:la\s+)?fin\s+de\s+(?:la\s+)?semaine\s+prochaine\b"
            r"|(?:\bd['’]ici\s+|\bdans\s+le\s+courant\s+de\s+|\bpendant\s+|\bdurant\s+)?"
            r"\bla\s+semaine\s+prochaine\b",
            _next_week_on(4),
        ),
        (
            r"\b(?:en\s+|au\s+|dès\s+le\s+)?début\s+(?:de\s+)?(?:la\s+)?semaine\s+prochaine\b",
            _next_week_on(1),
        ),
        (
            r"\b(?:en\s+|au\s+|vers\s+le\s+)?milieu\s+de\s+(?:la\s+)?semaine\s+prochaine\b",
            _next_week_on(2),
        ),
        (
            _FR_SPAN + r"(?P<n>{NUM})(?:(?:" + _DASH + r"|\s+à\s+)(?P<m>{NUM}))?\s+"
            r"(?:prochains\s+)?jours\s+(?:ouvrés|ouvrables)(?:\s+(?:à\s+venir|qui\s+viennent))?\b",
            _business_days,
        ),
        (
            r"(?:\bsous|\bdans|\bd['’]ici|\bdans\s+un\s+délai\s+de)\s+quinze\s+jours\b"
            r"|\bsous\s+quinzaine\b|(?:\bdans|\bd['’]ici|\bsous)\s+une\s+quinzaine(?:\s+de\s+jours)?\b",
            _plus(14),
        ),
        (r"\bsous\s+huitaine\b", _plus(8)),
        # "vendredi en huit" (a week after the next Friday), "en quinze" (two weeks after).
        (_FR_BY + r"(?P<wd>{WD})\s+en\s+huit\b", _weekday_week),
        (_FR_BY + r"(?P<wd>{WD})\s+en\s+quinze\b", _weekday_weeks(2)),
        (
            r"(?:\bsous|\bdans|\bd['’]ici|\ben)\s+une\s+dizaine\s+de\s+jours\s+"
            r"(?:ouvrés|ouvrables)\b",
            _business_days_fixed(10),
        ),
        (r"(?:\bsous|\bdans|\bd['’]ici|\ben)\s+une\s+dizaine\s+de\s+jours\b", _plus(10)),
        (_FR_SPAN + r"(?P<n>{NUM})\s+(?:prochaines\s+)?heures\b", _hours),
        (r"\bd['’]ici\s+demain\b", _plus(1)),
        (
            _FR_SPAN + r"(?P<n>{NUM})(?:(?:" + _DASH + r"|\s+à\s+)(?P<m>{NUM}))?\s+"
            r"(?:prochains\s+)?jours\b(?!\s+(?:ouvrés|ouvrables))",
            _days_times(1),
        ),
        (
            _FR_SPAN + r"(?P<n>{NUM})(?:(?:" + _DASH + r"|\s+à\s+)(?P<m>{NUM}))?\s+semaines?\b"
            r"|(?:\bdans|\bsous|\bd['’]ici|\bau\s+cours)\s+(?:des|les)\s+(?P<n2>{NUM})\s+"
            r"prochaines\s+semaines\b",
            _days_times(7),
        ),
        (
            r"(?:\bd['’]ici\s+(?:à\s+)?|\ben\s+)?(?:la\s+)?fin\s+(?:du|de\s+ce)\s+mois\b"
            r"(?!\s+prochain)|\ben\s+fin\s+de\s+mois\b|\bavant\s+la\s+fin\s+du\s+mois\b"
            r"(?!\s+prochain)",
            _end_of_month_after(0),
        ),
        (
            r"(?:\bd['’]ici\s+(?:à\s+)?|\ben\s+)?(?:la\s+)?fin\s+du\s+mois\s+prochain\b"
            r"|\ble\s+mois\s+prochain\b",
            _end_of_month_after(1),
        ),
        (
            r"(?:\bd['’]ici\s+(?:à\s+)?|\bvers\s+|\bà\s+)?(?:la\s+)?\bmi-?\s*(?P<month>{MONTH})\b",
            _month_part(15),
        ),
        (
            r"(?:\bd['’]ici\s+|\ben\s+|\bau\s+)?\bdébut\s+(?:du\s+mois\s+d['’]|de\s+)?"
            r"(?P<month>{MONTH})\b",
            _month_part(5),
        ),
        (
            r"(?:\bd['’]ici\s+(?:à\s+)?|\ben\s+)?(?:la\s+)?\bfin\s+(?:du\s+mois\s+d['’]|de\s+)?"
            r"(?P<month>{MONTH})\b",
            _month_part(None),
        ),
        (
            r"(?:\bd['’]ici\s+(?:à\s+)?|\ben\s+|\bavant\s+)?(?:la\s+)?fin\s+(?:du|de\s+ce)\s+trimestre\b",
            _quarter_end,
        ),
        (
            r"(?:\bd['’]ici\s+(?:à\s+)?|\ben\s+|\bavant\s+)?(?:la\s+)?fin\s+(?:de\s+l['’]année|d['’]année)\b",
            _year_end,
        ),
        (r"\b(?:avant|d['’]ici)\s+Noël\b", _christmas),
        (r"\b(?:avant|d['’]ici)\s+la\s+Saint-Nicolas\b", _named_day(12, 6)),
        (r"\b(?:avant|d['’]ici)\s+la\s+Toussaint\b", _named_day(11, 1)),
        (
            r"\baprès\s+Noël\b|\b(?:après|au\s+retour\s+de)s?\s+(?:les\s+|des\s+)?fêtes\b(?:\s+de\s+fin\s+d['’]année)?"
            r"|\baprès\s+les\s+vacances\s+de\s+(?:Noël|fin\s+d['’]année)\b"
            r"|\baprès\s+le\s+nouvel\s+an\b|\bà\s+la\s+rentrée\s+de\s+janvier\b",
            _after_holidays,
        ),
        (
            r"\bprochainement\b|\bbientôt\b|\brapidement\b|\btrès\s+vite\b|\bsous\s+peu\b"
            r"|\bdans\s+les\s+(?:prochains|meilleurs)\s+(?:jours|délais)\b"
            r"|\bdans\s+les\s+(?:prochaines\s+semaines|semaines\s+à\s+venir|jours\s+à\s+venir)\b"
            r"|\bdès\s+que\s+possible\b|\bau\s+plus\s+vite\b|\bd['’]ici\s+peu\b",
            _vague,
        ),
    ],
    promise=r"""(?:\breviendr\w+|\brev(?:enir|iens|ient|enons|enez)\s+vers
        |\btiens?\s+au\s+courant|\b(?:je|on)\s+(?:vous|te)\s+(?:appelle|écris|recontacte|réponds|rappelle)\b
        |\b(?:on|nous|je)\s+(?:te|vous)\s+revien\w*
        |\b(?:je|on)\s+(?:te|vous)\s+(?:re)?dis\b|(?<!votre\ )\bretour\b
        |(?<!votre\ )\bdécision|\bréponse|\bnouvelles|\btiendr\w+\s+au\s+courant
        |\b(?:re)?contacter|\bfeedback|\bfaire\s+savoir
        |\bnous\s+(?:allons|pensons|espérons|comptons|prévoyons|devrions)
        |\b(?:nous|je)\s+(?:vous\s+|te\s+|t['’]\s*)?\w+(?:rons|rai)\b|\bvous\s+(?:aurez|recevrez)
        |\bnous\s+(?:visons|souhaitons)|\bnotre\s+objectif|\bcommuniquer|\bdécider|\bstatuer
        |\bboucler|\bfinaliser|\bterminer|\bconclure|\binform|\bl['’]équipe|\bprochaines\s+étapes)""",
    request=r"""(?:\bmerci\s+de|\bveuillez|\bpourriez[-\s]vous|\bpouvez[-\s]vous|\bsigner|\bsigné
        |\bvos\s+disponibilités|\brenvoyer|\bretourner|\bnous\s+faire\s+(?:parvenir|un\s+retour)
        |\bnous\s+transmettre|\bnous\s+envoyer|\bvotre\s+(?:décision|réponse|retour)
        |\bconfirmer|\bmerci\s+d['’]|\bvous\s+rencontrer|\bvous\s+inviter|\bconvier
        |\bpour\s+un\s+entretien|\bà\s+(?:très\s+)?bientôt|\ben\s+(?:congés?|vacances|déplacement)
        |\bmalade|\babsente?s?\b|\bsans\s+compter|\b(?:est|sera)\s+(?:un\s+jour\s+)?férié)""",
)

# "a más tardar", "como muy tarde": deadline words before a day.
_ES_LATEST = r"a\s+más\s+tardar(?:\s+el)?|como\s+(?:muy\s+)?tarde(?:\s+el)?"
# "dentro de los próximos", "en un plazo de": the start of a span of days or weeks.
_ES_SPAN = (
    r"\b(?:en\s+un\s+plazo\s+(?:máximo\s+)?de|en\s+un\s+máximo\s+de|como\s+máximo\s+en|en"
    r"|dentro\s+de|en\s+los\s+próximos"
    r"|dentro\s+de\s+los\s+próximos|durante\s+los\s+próximos|en\s+el\s+transcurso\s+de"
    r"(?:\s+los\s+próximos)?)\s+(?:(?:unos|aproximadamente)\s+)?"
)

SPANISH = _language(
    weekdays={
        "lunes": 0,
        "martes": 1,
        "miércoles": 2,
        "miercoles": 2,
        "jueves": 3,
        "viernes": 4,
        "sábado": 5,
        "sabado": 5,
        "domingo": 6,
    },
    months={
        "enero": 1,
        "febrero": 2,
        "marzo": 3,
        "abril": 4,
        "mayo": 5,
        "junio": 6,
        "julio": 7,
        "agosto": 8,
        "septiembre": 9,
        "setiembre": 9,
        "octubre": 10,
        "noviembre": 11,
        "diciembre": 12,
        "ene": 1,
        "dic": 12,
    },
    numbers={
        "un": 1,
        "una": 1,
        "uno": 1,
        "dos": 2,
        "tres": 3,
        "cuatro": 4,
        "cinco": 5,
        "seis": 6,
        "siete": 7,
        "ocho": 8,
        "nueve": 9,
        "diez": 10,
        "once": 11,
        "doce": 12,
        "veinte": 20,
        "treinta": 30,
    },
    rules=[
        (
            r"\b(?:" + _ES_LATEST + r"|antes\s+del?|para\s+el|hasta\s+el)\s+(?:el\s+)?"
            r"(?:{WD})\s+(?P<day>\d{{1,2}})\b(?!\s*(?:de\b|/|\.\d|:))",
            _day_of_month,
        ),
        (
            r"\b(?:antes\s+del?|para\s+el|hasta\s+el|" + _ES_LATEST + r"|el)\s+"
            r"(?:(?:{WD}),?\s+)?(?:día\s+)?(?P<day>\d{{1,2}})\s+de\s+(?P<month>{MONTH})\b",
            _explicit,
        ),
        (
            r"\b(?:antes\s+del|para\s+el|hasta\s+el|el)\s+(?:{WD}),?\s+(?:día\s+)?"
            r"(?P<day>\d{{1,2}})\b(?!\s+de\s+(?:{MONTH}))",
            _day_of_month,
        ),
        (
            r"\b(?:antes\s+del|para\s+el|hasta\s+el)\s+día\s+(?P<day>\d{{1,2}})\b"
            r"(?!\s+de\s+(?:{MONTH}))",
            _day_of_month,
        ),
        (
            r"\b(?:(?:antes\s+del|para\s+el|hasta\s+el|" + _ES_LATEST + r"|el)\s+)?(?P<wd>{WD})"
            r"\s+de\s+la\s+(?:próxima\s+semana|semana\s+(?:que\s+viene|próxima|entrante))\b",
            _next_week_weekday,
        ),
        (
            r"\b(?:antes\s+del|para\s+el|hasta\s+el|el\s+próximo|" + _ES_LATEST + r"|el)\s+"
            r"(?:próximo\s+)?(?P<wd>{WD})(?:\s+(?:próximo|que\s+viene))?\b",
            _weekday,
        ),
        (
            r"\b(?:antes\s+del|para\s+el|hasta\s+el|" + _ES_LATEST + r"|el)\s+(?:(?:{WD}),?\s+)?"
            r"(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})(?:/(?:20)?\d\d)?\b(?!/)",
            _numeric,
        ),
        (
            r"\b(?:a\s+|antes\s+de\s+|para\s+)?(?:finales|fin(?:al)?)\s+de\s+(?:esta|la)\s+semana\b"
            r"(?!\s+que\s+viene)|\bantes\s+de\s+que\s+termine\s+la\s+semana\b"
            r"|\b(?:durante\s+|a\s+lo\s+largo\s+de\s+)?esta\s+semana\b",
            _this_week,
        ),
        (
            r"\b(?:a\s+|para\s+|antes\s+de\s+)?(?:finales|fines|fin(?:al)?)\s+de\s+la\s+"
            r"(?:próxima\s+semana|semana\s+(?:que\s+viene|próxima|entrante))\b"
            r"|\b(?:durante\s+|a\s+lo\s+largo\s+de\s+)?la\s+(?:próxima\s+semana"
            r"|semana\s+(?:que\s+viene|próxima|entrante))\b",
            _next_week_on(4),
        ),
        (
            r"\b(?:a\s+|al\s+)?(?:principios|comienzos|inicio|principio)\s+de\s+la\s+"
            r"(?:próxima\s+semana|semana\s+(?:que\s+viene|próxima|entrante))\b",
            _next_week_on(1),
        ),
        (
            r"\b(?:a\s+)?mediados\s+de\s+la\s+(?:próxima\s+semana|semana\s+(?:que\s+viene|próxima|entrante))\b",
            _next_week_on(2),
        ),
        (
            _ES_SPAN + r"(?P<n>{NUM})(?:(?:" + _DASH + r"|\s+a\s+|\s+o\s+)(?P<m>{NUM}))?\s+días\s+"
            r"(?:hábiles|laborables)\b",
            _business_days,
        ),
        (r"\b(?:en\s+un\s+plazo\s+de|en|dentro\s+de)\s+quince\s+días\b", _plus(14)),
        (r"\b(?:en|dentro\s+de)\s+un\s+par\s+de\s+semanas\b", _plus(14)),
        (
            r"\b(?:en\s+las\s+próximas|en\s+un\s+plazo\s+(?:máximo\s+)?de|en|dentro\s+de"
            r"(?:\s+las\s+próximas)?)\s+(?P<n>{NUM})\s+horas\b",
            _hours,
        ),
        (r"\bantes\s+de\s+mañana\b|\bpara\s+mañana\b", _plus(1)),
        (
            _ES_SPAN + r"(?P<n>{NUM})(?:(?:" + _DASH + r"|\s+a\s+)(?P<m>{NUM}))?\s+días\b"
            r"(?!\s+(?:hábiles|laborables))",
            _days_times(1),
        ),
        (
            _ES_SPAN + r"(?P<n>{NUM})(?:(?:" + _DASH + r"|\s+a\s+)(?P<m>{NUM}))?\s+semanas?\b"
            r"|\ben\s+las\s+próximas\s+(?P<n2>{NUM})\s+semanas\b",
            _days_times(7),
        ),
        (
            r"\b(?:a\s+|antes\s+de\s+|para\s+)?(?:finales|fines|fin(?:al)?)\s+de(?:l)?\s+(?:este\s+)?mes\b"
            r"(?!\s+(?:que\s+viene|próximo))",
            _end_of_month_after(0),
        ),
        (
            r"\b(?:a\s+|antes\s+de\s+|para\s+)?(?:finales|fin(?:al)?)\s+del\s+"
            r"(?:próximo\s+mes|mes\s+que\s+viene)\b|\bel\s+(?:próximo\s+mes|mes\s+que\s+viene)\b",
            _end_of_month_after(1),
        ),
        (r"\b(?:a\s+|para\s+|hacia\s+)?mediados\s+de\s+(?P<month>{MONTH})\b", _month_part(15)),
        (
            r"\b(?:a\s+|para\s+)?(?:principios|comienzos)\s+de\s+(?P<month>{MONTH})\b",
            _month_part(5),
        ),
        (
            r"\b(?:a\s+|para\s+|antes\s+de\s+)?(?:finales|fin(?:al)?)\s+de\s+(?P<month>{MONTH})\b",
            _month_part(None),
        ),
        (
            r"\b(?:a\s+|antes\s+de\s+|para\s+)?(?:finales|fines|fin(?:al)?)\s+de(?:l)?\s+"
            r"(?:este\s+)?trimestre\b",
            _quarter_end,
        ),
        (
            r"\b(?:a\s+|antes\s+de\s+|para\s+)?(?:finales|fines|fin(?:al)?)\s+de(?:l)?\s+(?:este\s+)?año\b",
            _year_end,
        ),
        (r"\bantes\s+de\s+(?:la\s+)?Navidad(?:es)?\b", _christmas),
        (r"\bantes\s+de\s+(?:la\s+)?Nochebuena\b", _named_day(12, 24)),
        (
            r"\b(?:después|tras|a\s+la\s+vuelta)\s+de\s+(?:las\s+)?(?:fiestas|vacaciones\s+de\s+"
            r"navidad|navidades|navidad)\b|\b(?:después|tras)\s+(?:de\s+)?año\s+nuevo\b"
            r"|\btras\s+las\s+fiestas\b",
            _after_holidays,
        ),
        (
            r"\bpronto\b|\ben\s+breve\b|\bpróximamente\b|\ben\s+las\s+próximas\s+semanas\b"
            r"|\ben\s+los\s+próximos\s+días\b|\blo\s+antes\s+posible\b|\ba\s+la\s+mayor\s+brevedad\b"
            r"|\ben\s+cuanto\s+(?:podamos|sea\s+posible)\b",
            _vague,
        ),
    ],
    promise=r"""(?:\b(?:le|te|les)\s+daremos|\bdaremos|\brespuesta|(?<!su\ )(?<!tu\ )\bdecisión
        |\bnos\s+pondremos\s+en\s+contacto|\bnos\s+comunicaremos|\b(?:le|te|les)\s+informaremos
        |\bnoticias|\b(?:le|te|les)\s+contactaremos|\bvolveremos|\bescribiremos|\bfeedback
        |\bnovedades|\besperamos|\btendremos|\bnuestro\s+equipo|\b\w+remos\b|\b\w+ré\b
        |\brecibir\w*|\btendr[áa]s?\b|\bnuestr[ao]\s+(?:idea|objetivo|intención|plan)|\bla\s+idea\s+es
        |\bavis\w+|\bdecidir|\bfase\b|\betapa\b
        |\b(?:te|le|les|os)\s+(?:confirmo|aviso|escribo|cuento|digo|contesto|respondo|doy)\b
        |\b(?:te|le|les|os)\s+(?:damos|contactamos|escribimos|avisamos|respondemos|contestamos
        |decimos|comunicamos|informamos|confirmamos)\b|\bvamos\s+a\b
        |\bpróximos\s+pasos|\b(?:calculamos|estimamos|prevemos|contamos\s+con))""",
    request=r"""(?:\bpor\s+favor|\bfirmar|\bfirme|\bfirmad[oa]|\benví[ea]|\benvíenos|\benvíanos
        |\b(?:tu|su)\s+disponibilidad|\bconfirm[ea]\b|\ble\s+rogamos|\bpodría|\bnecesitamos\s+que
        |\b(?:tu|su)\s+(?:decisión|respuesta)|\bdevuelva|\bdevuelve|\binvitar(?:te|le)
        |\bconvocar(?:te|le)|\bpara\s+una\s+entrevista|\bhasta\s+pronto
        |\bde\s+(?:vacaciones|baja|viaje)|\benferm[oa]|\bsin\s+contar
        |\b(?:que\s+)?es\s+(?:día\s+)?(?:fiesta|festivo|feriado|inhábil))""",
)

_LANGUAGES = (ENGLISH, GERMAN, FRENCH, SPANISH)

# Sentences end at . ! ? (not the dot of a German ordinal "27.") or at a blank line / bullet.
_SENTENCE_END = re.compile(r"(?<!\d)[.!?](?=\s|$)|\n\s*\n|\n\s*[-*•]\s")
# Clauses split at commas, semicolons, colons and the joining words of the four languages.
_CLAUSE_END = re.compile(
    _SENTENCE_END.pattern + r"|[,;:()]|\s(?:and|but|und|aber|sondern|et|mais|y|pero|sino)\s",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    rank: int  # the rule's position: on an equal span the earlier rule wins
    text: str
    due: date | None
    lang: _Language


def _span(text: str, boundary: re.Pattern[str], start: int, end: int) -> str:
    left = 0
    for found in boundary.finditer(text, 0, start):
        left = found.end()
    right_match = boundary.search(text, end)
    right = right_match.start() if right_match else len(text)
    return text[left:right]


# Promise words that only say "we will": enough beside a date, not beside "soon", which
# pleasantries use all the time ("we'll bump into each other before long", "nos veremos pronto").
_MERE_FUTURE = re.compile(
    r"(?:we|I|they|he|she)(?:['’]ll|\s+will|\s+should|\s+shall|\s+would|['’]d\s+\w+"
    r"|\s+(?:hope|aim|plan|intend)|\s+(?:am|are|is)\s+\w+\s+to|['’](?:re|m|s)\s+\w+\s+to)"
    r"|\w+remos|\w+ré|vamos\s+a|(?:nous|je)\s+(?:\w+\s+)?\w+(?:rons|rai)"
    r"|wir\s+werden|werden\s+wir|ich\s+werde|werden\s+uns",
    re.IGNORECASE,
)


def _promises_in(part: str, vague: bool) -> bool:
    """True when `part` holds a promise word (for a vague phrase, more than a mere "we will")."""
    for lang in _LANGUAGES:
        position = 0
        while (found := lang.promise.search(part, position)) is not None:
            if not (vague and _MERE_FUTURE.fullmatch(found.group(0))):
                return True
            # "nous reviendrons": the verb inside a mere future may be a promise word itself.
            position = found.start() + 1
    return False


def _counts(text: str, candidate: _Candidate) -> bool:
    """True when the phrase is the other side's promise, not a deadline for the reader."""
    clause = _span(text, _CLAUSE_END, candidate.start, candidate.end)
    if any(lang.request.search(clause) for lang in _LANGUAGES):
        return False
    vague = candidate.due is None
    if _promises_in(clause, vague):
        return True
    return _promises_in(_span(text, _SENTENCE_END, candidate.start, candidate.end), vague)


def _candidates(
    text: str, ctx: _Context, languages: tuple[_Language, ...]
) -> list[_Candidate]:
    """The time phrases of `languages` in `text`, longest first where they overlap."""
    found: list[_Candidate] = []
    rank = 0
    for lang in _LANGUAGES:
        if lang not in languages:
            rank += len(lang.rules)
            continue
        for pattern, resolve in lang.rules:
            rank += 1
            for match in pattern.finditer(text):
                phrase = " ".join(match.group(0).split()).strip(" ,")
                if not phrase:
                    continue
                try:
                    due = resolve(match, ctx, lang)
                except (KeyError, ValueError, OverflowError, IndexError):
                    # A number or name the tables cannot turn into a date: not a promise.
                    continue
                if due is None and resolve is not _vague:
                    continue
                found.append(_Candidate(match.start(), match.end(), rank, phrase, due, lang))
    # Keep the longest phrase where several overlap ("by the end of next week" over "next week").
    found.sort(key=lambda c: (-(c.end - c.start), c.rank))
    kept: list[_Candidate] = []
    for candidate in found:
        if all(candidate.end <= k.start or candidate.start >= k.end for k in kept):
            kept.append(candidate)
    kept.sort(key=lambda c: c.start)
    return kept


_FIGURE_IN_BRACKETS = re.compile(r"(?<=[^\W\d_])\s+\(\d{1,3}\)")


def find_timeline(
    text: str, sent_at: datetime, country: str | None = None, subdivision: str | None = None
) -> StatedTimeline | None:
    """The last promise of the other side in `text`, with its due date; None when there is none."""
    # A phrase counts only with a promise word in its clause or sentence (`_counts`), and a
    # phrase and its promise word are written in one language: only the tables of languages
    # whose promise words the text holds are run (none at all for most mail).
    # "within three (3) business days": the figure in brackets repeats the number.
    text = _FIGURE_IN_BRACKETS.sub("", text)
    languages = tuple(lang for lang in _LANGUAGES if lang.promise.search(text))
    if not languages:
        return None
    ctx = _Context(sent=sent_at.date(), country=country, subdivision=subdivision)
    promises = [c for c in _candidates(text, ctx, languages) if _counts(text, c)]
    if not promises:
        return None
    # A day in brackets explains the promise before it ("within two business days (Monday is
    # a holiday, so count from Tuesday)"): the promise outside them wins.
    outside = [c for c in promises if not _in_brackets(text, c.start)]
    chosen = (outside or promises)[-1]
    return StatedTimeline(text=chosen.text, due=chosen.due)


def _in_brackets(text: str, position: int) -> bool:
    opened = text.rfind("(", 0, position)
    return opened != -1 and text.rfind(")", opened, position) == -1
