"""Waiting times written in BPMN files: ISO 8601 timer durations and duration labels.

A timer event's ``timeDuration`` (``P7D``, ``PT2H``, ``P1DT12H``) and a message flow's label
that states a time (``郵送 (3日)``, ``2 weeks``, ``P3D``) become a step's ``delay``, in days.
Calendar units are converted at fixed lengths (a month is 30 days, a year 365), since a
delay in the model is a length of time, not a date.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["iso_duration_days", "label_duration_days"]

_ISO = re.compile(
    r"^P(?:(?P<y>\d+(?:[.,]\d+)?)Y)?(?:(?P<mo>\d+(?:[.,]\d+)?)M)?(?:(?P<w>\d+(?:[.,]\d+)?)W)?"
    r"(?:(?P<d>\d+(?:[.,]\d+)?)D)?(?:T(?:(?P<h>\d+(?:[.,]\d+)?)H)?(?:(?P<mi>\d+(?:[.,]\d+)?)M)?"
    r"(?:(?P<s>\d+(?:[.,]\d+)?)S)?)?$")
_DAYS = {"y": 365.0, "mo": 30.0, "w": 7.0, "d": 1.0, "h": 1 / 24, "mi": 1 / 1440, "s": 1 / 86400}

_LABEL = re.compile(
    r"(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>日間|日|週間|週|か月|ヶ月|カ月|ケ月|箇月|時間|分|"
    r"days?|weeks?|months?|hours?|minutes?|mins?)(?![A-Za-z])", re.IGNORECASE)
_LABEL_DAYS = {"日": 1.0, "日間": 1.0, "週": 7.0, "週間": 7.0, "か月": 30.0, "ヶ月": 30.0,
               "カ月": 30.0, "ケ月": 30.0, "箇月": 30.0, "時間": 1 / 24, "分": 1 / 1440,
               "day": 1.0, "week": 7.0, "month": 30.0, "hour": 1 / 24, "minute": 1 / 1440,
               "min": 1 / 1440}


def iso_duration_days(text: str | None) -> float | None:
    """Days in an ISO 8601 duration (``P7D`` -> 7, ``PT2H`` -> 1/12); ``None`` when the text
    is not a duration (an expression such as ``${reminder}``, a date, a cycle ``R3/PT1H``).

    Months count 30 days and years 365.
    """
    if not text:
        return None
    match = _ISO.match(text.strip().upper())
    if match is None or not any(match.groupdict().values()):
        return None
    return sum(float(v.replace(",", ".")) * _DAYS[k] for k, v in match.groupdict().items() if v)


def label_duration_days(label: str | None) -> float | None:
    """Days stated in a label: an ISO 8601 duration or the first ``NUMBER UNIT`` in it
    (``郵送 (3日)`` -> 3, ``2 weeks`` -> 14, ``２時間`` -> 1/12); ``None`` when it states none."""
    if not label:
        return None
    text = unicodedata.normalize("NFKC", label)
    for word in text.split():
        found = iso_duration_days(word.strip("()[]（）"))
        if found is not None:
            return found
    match = _LABEL.search(text)
    if match is None:
        return None
    unit = match.group("unit").lower()
    unit = unit[:-1] if unit.endswith("s") and unit not in _LABEL_DAYS else unit
    return float(match.group("n")) * _LABEL_DAYS[unit]
