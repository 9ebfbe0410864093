"""Every user-facing wording, in one gettext catalogue per language (nb.po, en.po beside this
file), and numbers, percentages and lists written by each language's rules (Babel's CLDR
locale data: "4 726,5", "80,6 %", "−1,2" in Norwegian, "4,726.5", "80.6%", "-1.2" in English).

A message is asked for by its name (the msgid), e.g. `catalogue("nb").text("share")`. The
catalogues are read as they are, so an edited wording shows in the next run without a build
step; a catalogue that does not parse, a message it lacks or a {placeholder} the code does not
fill stops the run naming the file, the line and the message.
"""

from __future__ import annotations

import functools
import gettext
import io
import math
import re
import string
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from navpartner.errors import InputError

FOLDER = Path(__file__).parent
PLURAL = "_plural"  # msgid_plural of a message with plural forms: its msgid + PLURAL
MAX_DECIMALS = 3  # "as many decimals as it has": 0.25 -> 0,25, 3 -> 3
MISSING = ".."  # a value that is not there (NaN, pandas' NA): Statistics Norway's symbol


def languages() -> list[str]:
    """The languages with a catalogue (publication.language's choices)."""
    return sorted(path.stem for path in FOLDER.glob("*.po"))


@functools.cache
def catalogue(language: str) -> Catalogue:
    """The language's catalogue, read once per process."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import PoFileError, read_po

    path = FOLDER / f"{language}.po"
    if not path.is_file():
        raise InputError(
            str(path), "no catalogue for the language", expected=f"one of {languages()}"
        )
    try:
        source = path.read_bytes()
        _check_lines(path, source.decode("utf-8"))
        messages = read_po(io.BytesIO(source), abort_invalid=True)
    except (PoFileError, UnicodeDecodeError) as error:
        raise InputError(str(path), f"not a readable gettext catalogue: {error}") from None
    if messages.locale is None:
        raise InputError(str(path), "the header names no Language", expected="e.g. nb_NO")
    for message in messages:
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and not all(form.strip() for form in forms):
            # gettext would print the message's name instead
            raise InputError(
                str(path), f"message '{_key(message.id)}' is empty", line=message.lineno
            )
    compiled = io.BytesIO()
    write_mo(compiled, messages, use_fuzzy=True)
    compiled.seek(0)
    lines = {_key(message.id): message.lineno for message in messages if message.id}
    return Catalogue(language, messages.locale, lines, gettext.GNUTranslations(compiled), path)


# A line of a catalogue: a comment, or a keyword and/or one text in double quotes (escapes
# allowed). Babel reads a text that lacks its closing quote as empty, and a message named
# twice as its last copy, without a word: checked here first.
LINE = re.compile(r'(#.*|((msgctxt|msgid|msgid_plural|msgstr(\[\d+\])?) +)?"([^"\\]|\\.)*")?')


def _check_lines(path: Path, text: str) -> None:
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not LINE.fullmatch(line.strip()):
            raise InputError(
                str(path),
                "not a gettext line",
                line=number,
                expected='a keyword and a text in double quotes, or a "text" going on',
                found=line,
            )
        name = re.fullmatch(r'msgid +"(.+)"', line.strip())
        if name and name[1] in first_line:
            raise InputError(
                str(path),
                f"message '{name[1]}' is defined twice (first on line {first_line[name[1]]})",
                line=number,
            )
        if name:
            first_line[name[1]] = number


def _key(msgid) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


@dataclass(frozen=True, eq=False)
class Catalogue:
    """One language's messages, and its way of writing numbers."""

    language: str
    locale: object  # babel.Locale
    lines: dict[str, int]  # message name -> its line in the file
    translations: gettext.GNUTranslations
    path: Path

    def text(self, key: str, **values) -> str:
        """The message `key` with its {placeholders} filled from `values` (extra ones unused)."""
        self._require(key)
        return self._fill(key, self.translations.gettext(key), values)

    def plural(self, key: str, count: int, **values) -> str:
        """The message's form for `count` (the language's plural rule, from the header)."""
        self._require(key)
        return self._fill(key, self.translations.ngettext(key, key + PLURAL, count), values)

    def number(self, value, decimals: int | None = 1, signed: bool = False) -> str:
        """A number in the language's digits, grouping, decimal mark and minus sign, rounded
        to `decimals` (None: as many as it has, up to MAX_DECIMALS); `signed` gives a
        positive number its plus sign."""
        from babel.numbers import get_plus_sign_symbol

        exact = _exact(value)
        if exact is None:
            return MISSING
        text = self._format(exact, "#,##0" + _fraction(decimals))
        return (get_plus_sign_symbol(self.locale) + text) if signed and exact > 0 else text

    def percent(self, value, decimals: int | None = 1) -> str:
        """A value already in per cent (80.6) with the language's percent sign and spacing."""
        from babel.numbers import parse_pattern

        exact = _exact(value)
        if exact is None:
            return MISSING
        pattern = parse_pattern(self.locale.percent_formats[None].pattern)
        number = pattern.number_pattern.split(".")[0] + _fraction(decimals)
        return self._format(exact.scaleb(-2), f"{pattern.prefix[0]}{number}{pattern.suffix[0]}")

    def join(self, items: list[str]) -> str:
        """ "a, b og c" / "a, b and c"."""
        from babel.lists import format_list

        return format_list(items, locale=self.locale)

    def _format(self, value: Decimal, pattern: str) -> str:
        """The pattern with the locale's own minus sign: Babel's patterns write "-" whatever
        the locale, while CLDR's Norwegian minus is "−" (U+2212)."""
        from babel.numbers import format_decimal, get_minus_sign_symbol

        minus = get_minus_sign_symbol(self.locale)
        return format_decimal(value, f"{pattern};{minus}{pattern}", locale=self.locale)

    def _require(self, key: str) -> None:
        if key not in self.lines:
            raise InputError(str(self.path), f"no message '{key}'", expected="msgid " + key)

    def _fill(self, key: str, text: str, values: dict) -> str:
        wanted = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        unknown = sorted(wanted - set(values))
        if unknown:
            raise InputError(
                str(self.path),
                f"message '{key}' has a placeholder the code does not fill",
                line=self.lines[key],
                expected=" ".join(f"{{{name}}}" for name in sorted(values)) or "none",
                found=" ".join(f"{{{name}}}" for name in unknown),
            )
        return text.format(**values)


def _exact(value) -> Decimal | None:
    """The float's exact value: Babel would round the shortest repr (80.65 -> 80.6), Python's
    own formatting rounds the binary value (80.65 is 80.6500000000000057 -> 80.7). Exact, both
    round the same, so published numbers stay as they were. None for a missing value."""
    try:
        number = value if isinstance(value, (int, float)) else float(value)
    except TypeError:  # pandas' NA, None
        return None
    return None if math.isnan(number) else Decimal(number)


def _fraction(decimals: int | None) -> str:
    if decimals is None:
        return "." + "#" * MAX_DECIMALS
    return "." + "0" * decimals if decimals else ""
