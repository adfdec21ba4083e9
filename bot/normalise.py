"""Turn a member's raw message into comparable words.

Everything here is pure and cheap: it runs on every message, including hostile ones
(4,000 characters, zero-width joiners, right-to-left marks, pings, code blocks).
"""

from __future__ import annotations

import re
import unicodedata

# A question buried in a long message is usually near its start or its end ("...so my
# question is: can I do it part-time?"). Keeping both ends bounds the cost of a
# 4,000-character message to that of a 600-character one.
MAX_HEAD_CHARS = 400
MAX_TAIL_CHARS = 200
# After normalising, more words than this add noise, not meaning.
MAX_WORDS = 60

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})
# Emoji members use as words in a question ("💰?", "🏠 ok?"); only unambiguous ones.
_EMOJI_WORDS = {
    "💰": " money ", "💵": " money ", "💶": " money ", "💷": " money ", "💸": " money ",
    "🤑": " money ", "🏠": " home ", "🏡": " home ", "🎓": " degree ",
}

# A fenced code block (```...```): code or a log pasted in, not the member's own words.
_CODE_BLOCK = re.compile(r"```.*?```", re.DOTALL)
# Discord markup that carries no meaning for matching: mentions, channels, custom emoji,
# links, mass pings. Removed before punctuation so their digits don't become words.
_DISCORD_MARKUP = re.compile(
    r"<a?:\w+:\d+>|<@[!&]?\d+>|<#\d+>|</[\w -]+:\d+>|https?://\S+|@everyone|@here"
)
_IRREGULAR_CONTRACTIONS = {
    "can't": "can not",
    "won't": "will not",
    "shan't": "shall not",
    "ain't": "is not",
}
_CONTRACTION_SUFFIXES = re.compile(r"(\w)'(s|re|m|ll|ve|d|t)\b")
_SUFFIX_EXPANSION = {"s": "", "re": " are", "m": " am", "ll": " will", "ve": " have", "d": " would"}
_NOT_CONTRACTION = re.compile(r"n't\b")

# Chat spellings members type without apostrophes, and common shorthand.
CHAT_WORDS: dict[str, str] = {
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "can not",
    "cannot": "can not",
    "wont": "will not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "havent": "have not",
    "hasnt": "has not",
    "shouldnt": "should not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "im": "i am",
    "ive": "i have",
    "id": "i would",
    "ill": "i will",
    "youre": "you are",
    "whats": "what",
    "u": "you",
    "ur": "your",
    "r": "are",
    "y": "why",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "ty": "thanks",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "hafta": "have to",
    "w": "with",
    "b4": "before",
    "abt": "about",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "ppl": "people",
    "smth": "something",
    "sth": "something",
    "tho": "though",
    "thru": "through",
    "yr": "year",
    "yrs": "years",
    "mo": "month",
    "mos": "months",
    "hr": "hour",
    "hrs": "hours",
    "wk": "week",
    "wks": "weeks",
    "ft": "full time",
    "pt": "part time",
    "req": "requirements",
    "reqs": "requirements",
    "kinda": "kind of",
    "lemme": "let me",
    "dunno": "do not know",
    "lmk": "let me know",
    "rly": "really",
    "yall": "you all",
    "thnx": "thanks",
    "thanx": "thanks",
}

# Shorthand written with punctuation, which would otherwise split into other words
# ("w/o" is "without", not "with o"). "no-go" only frames a yes/no question, like "is it
# ok"; read word by word, its "go" pointed at "is there an office I need to go to".
_PUNCTUATED_SHORTHAND = {"w/o": " without ", "w/out": " without ", "w/": " with ",
                         "b/c": " because ",
                         "tl;dr": " tldr ", "tl,dr": " tldr ", "tl dr": " tldr ",
                         "no-go": " ", "no go": " ", "nogo": " "}
# Longest first, so "w/o" wins over "w/"; a form ending in a letter must end a word.
# normalise() runs this only when one of its quick substring checks finds a form: a new
# form needs a check there too (derived from this dict, the checks cost 25% of normalise).
_PUNCTUATED = re.compile("|".join(
    rf"\b{re.escape(form)}" + (r"\b" if form[-1].isalnum() else "")
    for form in sorted(_PUNCTUATED_SHORTHAND, key=len, reverse=True)
))

_REPEATED_LETTER = re.compile(r"(\D)\1{2,}")
# A number glued to a unit of time ("20h/week", "6mo", "1yr", "9months") or made plural
# ("in my 50s"): the unit as its word, the plural as the number. Others stay one word
# ("100k", "401k", "2nd").
_NUMBER_AND_UNIT = re.compile(r"(\d+)([a-z]+)")
_UNITS = {
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hours"),
    **dict.fromkeys(("day", "days"), "days"),  # not "d": "3d" is more often 3D than 3 days
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "weeks"),
    **dict.fromkeys(("mo", "mos", "month", "months"), "months"),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "years"),
    "s": "",
}
_WORD = re.compile(r"[^\W_]+")  # letters and digits; punctuation and "_" separate words
# Dollar signs standing for money ("$$?", "is it $$$"), not an amount ("$200").
_DOLLARS = re.compile(r"\${2,}|\$(?![\d.,])")
# The same split for ASCII text (most messages): a bytes translate and a split, about
# five times faster than the regex.
_ASCII_SEPARATORS = bytes(c if c < 128 and chr(c).isalnum() else 32 for c in range(256))
_WORD_FORMS: dict[str, tuple[str, ...]] = {}
WORD_CACHE_LIMIT = 50_000


_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _strip_invisible(text: str) -> str:
    """Drop format characters (zero-width, bidi marks) and turn control characters into spaces."""
    if text.isascii():  # the common case: no format characters possible
        return text if text.isprintable() else _ASCII_CONTROL.sub(" ", text)
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        out.append(" " if category in ("Cc", "Zl", "Zp") else char)
    return "".join(out)


class _CharacterFolding(dict[int, str]):
    """A ``str.translate`` table that works out each character once: "é" -> "e", "💰" ->
    " money ".

    Only Latin letters lose their accents; other scripts keep their marks (a Devanagari
    vowel sign is a combining mark too, and dropping it would split the word).
    """

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = _EMOJI_WORDS.get(char)
        if folded is None:
            base = unicodedata.normalize("NFD", char)[0]
            folded = base if base.isascii() else char
        if len(self) >= WORD_CACHE_LIMIT:  # hostile input cannot grow memory
            self.clear()
        self[code] = folded
        return folded


_FOLD_CHARACTERS = _CharacterFolding()


def without_code_blocks(text: str) -> str:
    """``text`` with its fenced code blocks (```...```) cut out: "trying the residency
    notebook ```from transformers import pipeline``` is it remote?" asks whether it is
    remote, and the code's words are no topic of the member's. An unclosed fence stays."""
    return _CODE_BLOCK.sub(" ", text) if "```" in text else text


def cap_length(text: str) -> str:
    """Keep the head and tail of an over-long message (see MAX_HEAD_CHARS)."""
    if len(text) <= MAX_HEAD_CHARS + MAX_TAIL_CHARS:
        return text
    return f"{text[:MAX_HEAD_CHARS]} {text[-MAX_TAIL_CHARS:]}"


def _expand_contraction(match: re.Match[str]) -> str:
    return match.group(1) + _SUFFIX_EXPANSION.get(match.group(2), "")


def _word_forms(word: str) -> tuple[str, ...]:
    """The words a raw word stands for: repeated letters cut, chat spellings expanded, a
    number glued to its unit split ("20h": "20 hours")."""
    forms = _WORD_FORMS.get(word)
    if forms is None:
        cut = _REPEATED_LETTER.sub(r"\1\1", word)
        glued = _NUMBER_AND_UNIT.fullmatch(cut) if cut[0].isdigit() else None
        if glued is not None and glued[2] in _UNITS:
            forms = (glued[1], *_UNITS[glued[2]].split())
        else:
            forms = tuple(CHAT_WORDS.get(cut, cut).split())
        if len(_WORD_FORMS) >= WORD_CACHE_LIMIT:  # hostile input cannot grow memory
            _WORD_FORMS.clear()
        _WORD_FORMS[word] = forms
    return forms


def normalise(text: str) -> str:
    """Return lowercase words separated by single spaces, ready to compare.

    NFKC folds look-alike characters (full-width letters, ligatures); casefold handles
    more than lower(); contractions and chat spellings are expanded so "can't" and
    "cant" meet "can not"; letters repeated three or more times are cut to two.
    """
    text = cap_length(without_code_blocks(text))
    if not text.isascii():
        # NFKC can expand a character up to 18-fold ("ﷺ"), and emoji become words: cap again.
        text = cap_length(unicodedata.normalize("NFKC", text).translate(_FOLD_CHARACTERS))
    text = _strip_invisible(text)
    if text.isascii():  # most messages: lower() is casefold(), "`" the one ASCII look-alike
        text = text.lower().replace("`", "'")
    else:
        text = text.casefold().translate(_APOSTROPHES)
    # The checks before each substitution skip work most messages don't need: this runs
    # on every message, and the substitutions cost more than the checks.
    if "<" in text or "@" in text or "http" in text:
        text = _DISCORD_MARKUP.sub(" ", text)
    if "/" in text or "tl" in text or "nogo" in text or "no go" in text or "no-go" in text:
        text = _PUNCTUATED.sub(lambda found: _PUNCTUATED_SHORTHAND[found[0]], text)
    if "$" in text:
        text = _DOLLARS.sub(" money ", text)
    if "'" in text:
        for contraction, expansion in _IRREGULAR_CONTRACTIONS.items():
            text = text.replace(contraction, expansion)
        text = _NOT_CONTRACTION.sub(" not", text)
        text = _CONTRACTION_SUFFIXES.sub(_expand_contraction, text)
    words: list[str] = []
    if text.isascii():
        raw = text.encode("ascii").translate(_ASCII_SEPARATORS).decode("ascii").split()
    else:
        raw = _WORD.findall(text)
    for word in raw:
        words.extend(_word_forms(word))
    if len(words) > MAX_WORDS:  # keep both ends, like cap_length
        words = words[: MAX_WORDS // 2] + words[-(MAX_WORDS // 2) :]
    return " ".join(words)
