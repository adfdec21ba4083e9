"""Which words carry a topic, how members name the programme, how a long message is cut
into clauses, and word stems.

The matcher (bot.matching) weighs words by these rules; the unanswered report
(bot.unanswered) groups questions by their content words. Nothing here imports discord.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import pairwise

import Stemmer

from bot.normalise import cap_length, normalise, without_code_blocks

# How members address others politely ("sir", "kindly"): no topic, and no question either
# (bot.replies counts them as small talk).
POLITE_ADDRESS = frozenset("sir madam maam dear kindly".split())

# Words that carry no topic: function words, greetings and chat filler. The matcher still
# counts them, at bot.matching.STOPWORD_WEIGHT of a content word, so "is it paid" beats
# "paid" alone on word order. A misspelt word may be corrected to one of these ("ther" ->
# "there").
CORRECTABLE_STOPWORDS = POLITE_ADDRESS | frozenset(
    """a about above after again all also am an and any anyone anybody are as at be been
    being before but by can could did do does doing done for from get got had has have
    having he her here hers him his how i if in into is it its just know let like me
    might more most must my myself no not now of on once one only or other our out own
    please quick question questions really regarding same she should so some such than
    that the their them then there these they this those to too up us very was way we
    were what when where which while who whom why will with would yes you your yours
    hi hello hey hiya yo greetings thanks thank cheers guys everyone folks all team
    anyone someone somebody pls okay ok sorry wondering wonder curious asking ask tell
    want need mean also still currently actually basically just like kind sort lol lmao
    haha hahaha omg btw idk tbh ngl rn fr bro bruh hmm um uh oh ah wow nice cool great
    good awesome morning evening gm gn much many lot lots thing things stuff anything
    something every each even well able sure yeah yep nope maybe ever
    plz regards hii heyy nah""".split()
)
# More function words and chat framing that carry no topic either. Left unknown, each
# weighed like a rare topic word and pushed questions that contain them towards a decline
# ("Will my disability affect whether I get picked?" was declined). No typo is corrected
# to them: many are a letter away from a word that does carry a topic ("weather" /
# "whether", "old" / "told", "tough" / "though").
STOPWORDS = CORRECTABLE_STOPWORDS | frozenset(
    """ours ourselves yourself yourselves himself herself itself theirs themselves because
    between below down over further nor whether though although however etc vs versus
    yet unless upon within without among across toward towards via honestly literally
    seriously probably definitely totally truly simply said says told heard seen true
    supposed nobody everybody nothing somewhere everywhere nowhere else during throughout
    through around along despite besides beside beyond onto amongst since against""".split()
)

# Long messages are also scored clause by clause; the question is usually the last one.
_CLAUSE_BREAK = re.compile(r"[.?!;\n]+|,\s+")
# What a text of one clause, perhaps with a "?" at the end, is left with once stripped of
# the marks and spaces at its end has none of these (``_one_clause``).
_TRAILING = ".?!;\n \t\r\f\v"
# A clause needs this many topic words to stand alone: "do they care about that" does not.
MIN_CLAUSE_CONTENT_WORDS = 2
MAX_CLAUSES = 4
TAIL_WORDS = 12
# Where a question buried at the end of a run-on message usually starts.
QUESTION_STARTERS = frozenset(
    "what how when where who why which is are do does did can could will would should am".split()
)

_stemmer = Stemmer.Stemmer("english")


def content_words(words: Iterable[str]) -> int:
    """How many of ``words`` are topic words (not in STOPWORDS)."""
    return sum(word not in STOPWORDS for word in words)


class Subject:
    """How members name what the whole FAQ is about: "the Hugging Face residency", "the AI
    Research Residency", "the HF residency program".

    Such a mention is two or more of the name's words in a row, one of them a head word;
    it counts as that head word alone ("the residency"). Otherwise "Hugging Face" and "AI
    Research" read as topics: a rare pair of words in the FAQ's texts, and the words of
    the entry that says what the residency is, so "How long is the Hugging Face
    residency?" went to that entry instead of the duration. Outside a mention the words
    keep their meaning ("Is Hugging Face an equal opportunity employer?", "AI for Good").
    """

    def __init__(self, name: Sequence[str], heads: Iterable[str]) -> None:
        """``name``: the name's normalised words; ``heads``: those that stand for the
        whole (``head_words``). Two words of the name in a row may also be written run
        together ("huggingface") or as initials ("hf")."""
        pairs = list(pairwise(name))
        self.forms = frozenset([*name, *(a + b for a, b in pairs),
                                *(a[0] + b[0] for a, b in pairs)])
        self.heads = frozenset(heads) & self.forms

    def mentioned(self, words: list[str]) -> list[str]:
        """``words`` with each mention of the subject replaced by its (last) head word."""
        if not self.heads or len(self.forms.intersection(words)) < 2:  # most texts: C-level
            return words
        out: list[str] = []
        run: list[str] = []  # the words of the name met in a row so far
        for word in [*words, ""]:  # "" (no word) ends the last run
            if word in self.forms:
                run.append(word)
                continue
            heads = [name_word for name_word in run if name_word in self.heads]
            out += heads[-1:] if len(run) >= 2 and heads else run
            run = []
            if word:
                out.append(word)
        return out


def head_words(name: Sequence[str], words_by_entry: Iterable[Iterable[str]]) -> list[str]:
    """The name's words that more than half of the entries use ("residency"): what members
    call the whole by. Its rarer words ("hugging", "ai") are not. ``words_by_entry``: per
    entry, the words of its texts."""
    names = set(name)
    used: Counter[str] = Counter()
    entries = 0
    for words in words_by_entry:
        entries += 1
        used.update(names.intersection(words))
    return [word for word in name if 2 * used[word] > entries]


def _one_clause(text: str) -> bool:
    """True when ``_CLAUSE_BREAK`` would not split ``text``: most questions ("is it paid?").
    Cheaper than splitting it to see (these checks run on every message)."""
    body = text.rstrip(_TRAILING)
    return not ("." in body or "?" in body or "!" in body or ";" in body or "\n" in body
                or "," in body)


def segments(question: str) -> list[list[str]]:
    """Normalised words of the whole message, plus of its last clauses when it has several
    (each different one once)."""
    text = cap_length(without_code_blocks(question))
    whole = normalise(text).split()
    pieces = ([text] if _one_clause(text) else
              [piece for piece in _CLAUSE_BREAK.split(text) if piece.strip()])
    clauses = [
        words for words in (normalise(piece).split() for piece in pieces)
        if content_words(words) >= MIN_CLAUSE_CONTENT_WORDS
    ] if len(pieces) > 1 else []
    if len(whole) > TAIL_WORDS * 2:  # one long run-on sentence: its end is a clause too
        tail = whole[-TAIL_WORDS:]
        starts = [i for i, word in enumerate(tail) if word in QUESTION_STARTERS]
        clauses.append(tail[starts[0]:] if starts else tail)
    if len(clauses) <= 1 and len(whole) <= TAIL_WORDS * 2:
        return [whole]
    parts = [whole]
    for clause in clauses[-MAX_CLAUSES:]:
        if clause not in parts:  # the tail is often the last clause again: score it once
            parts.append(clause)
    return parts


def stem(word: str) -> str:
    """Snowball stem of a normalised word ("relocating" -> "reloc")."""
    return str(_stemmer.stemWord(word))
