"""What a moderator sees when checking an FAQ file (bot/knowledge.py, bot/yamlnodes.py).

Every FAQ below is written out in full so its line numbers can be counted in the test.
"""

from __future__ import annotations

import gc
import re
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from bot.faqcheck import Problem, confusion_warnings
from bot.knowledge import FaqStore, load_faq, load_faq_text
from bot.matching import Decision, Thresholds
from bot.replies import respond

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_FAQ = ROOT / "data" / "faqs.yaml"

CONTRACT_IDS = {
    "about", "duration", "research-work", "ideal-candidate", "out-of-school", "diversity",
    "how-to-apply", "requirements", "ai-for-good", "equal-opportunity", "salary", "part-time",
    "concurrent-obligations", "benefits", "fees", "relocation", "announcement",
}


def check(text: str):
    """Validate dedented FAQ text as the file ``faqs.yaml``."""
    return load_faq_text(textwrap.dedent(text), "faqs.yaml")


def the_error(text: str) -> Problem:
    """The one error the FAQ has; it must not be served."""
    result = check(text)
    assert result.knowledge is None
    assert len(result.errors) == 1, [str(p) for p in result.errors]
    return result.errors[0]


# --- YAML itself ---------------------------------------------------------------------------


def test_yaml_syntax_error_is_reported_at_its_line_and_column():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No: not at all
        """)
    assert (error.line, error.column) == (8, 15)
    assert error.message.startswith("YAML syntax:")
    assert "mapping values are not allowed" in error.message
    assert str(error).startswith("faqs.yaml:8:15: error")


def test_unclosed_quote_is_a_syntax_error_not_a_crash():
    result = check("""\
        programme:
          name: "Test Residency
          apply_url: https://apply.example.org/j/1
        """)
    assert result.knowledge is None
    assert result.errors[0].message.startswith("YAML syntax:")


def test_key_repeated_in_one_mapping_is_reported_at_the_second_key():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No.
            answer: Yes.
        """)
    assert (error.line, error.column) == (9, 5)
    assert error.message == "key 'answer' appears twice in one mapping"


def test_key_repeated_in_one_mapping_names_its_entry():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No.
            answer: Yes.
        """)
    assert error.entry_id == "fees"


def test_empty_file_is_an_error_at_line_1():
    error = the_error("")
    assert (error.line, error.column) == (1, 1)
    assert error.entry_id is None
    assert error.message.startswith("file: Input should be a valid dictionary")
    assert error.fix == "make it a YAML mapping (key: value lines)"


def test_file_with_only_comments_is_an_error_at_line_1():
    error = the_error("# the FAQ will go here\n")
    assert (error.line, error.column) == (1, 1)
    assert error.message.startswith("file: Input should be a valid dictionary")


def test_missing_file_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "nowhere.yaml"
    result = load_faq(path)
    assert result.knowledge is None
    [error] = result.errors
    assert (error.path, error.line, error.column) == (str(path), 1, 1)
    assert error.message == "cannot read the file: No such file or directory"


def test_file_that_is_not_utf8_is_an_error(tmp_path):
    path = tmp_path / "faqs.yaml"
    path.write_bytes(b"programme:\n  name: R\xe9sidence\n")
    [error] = load_faq(path).errors
    assert error.message == "cannot read the file: not UTF-8 text"


# --- schema --------------------------------------------------------------------------------


def test_unknown_field_is_reported_at_its_key_with_its_entry():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No.
            keyword: [fee]
        """)
    assert (error.line, error.column) == (9, 5)
    assert error.entry_id == "fees"
    assert error.message == "entries.0.keyword: unknown field 'keyword'"
    assert error.fix == "remove it or check its spelling"


def test_unknown_programme_field_is_reported_at_its_key():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
          apply_link: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No.
        """)
    assert (error.line, error.column) == (4, 3)
    assert error.entry_id is None
    assert error.message == "programme.apply_link: unknown field 'apply_link'"


def test_missing_answer_is_reported_at_its_entry():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
          - id: salary
            question: Is it paid?
            aliases: []
            answer: Yes.
        """)
    assert (error.line, error.column) == (5, 5)
    assert error.entry_id == "fees"
    assert error.message == "entries.0.answer: missing required field 'answer'"
    assert error.fix == "add the field"


def test_misspelt_field_reports_both_the_unknown_and_the_missing_one():
    result = check("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answr: No.
        """)
    assert [(p.line, p.message) for p in result.errors] == [
        (5, "entries.0.answer: missing required field 'answer'"),
        (8, "entries.0.answr: unknown field 'answr'"),
    ]


def test_missing_apply_url_is_reported_at_the_programme():
    error = the_error("""\
        programme:
          name: Test Residency
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No.
        """)
    assert (error.line, error.column) == (2, 3)
    assert error.message == "programme.apply_url: missing required field 'apply_url'"


def test_empty_answer_is_reported_at_the_answer():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: "  "
        """)
    assert (error.line, error.column) == (8, 13)
    assert error.entry_id == "fees"
    assert error.message == "entries.0.answer: String should have at least 1 character"
    assert error.fix == "write some text here"


def test_answer_longer_than_1500_characters_is_reported_at_the_answer():
    error = the_error(
        """\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: """ + "No. " * 376 + "\n"
    )
    assert (error.line, error.column) == (8, 13)
    assert error.entry_id == "fees"
    assert error.message == "entries.0.answer: String should have at most 1500 characters"
    assert error.fix == "shorten it"


def test_answer_of_exactly_1500_characters_is_accepted():
    result = check(
        """\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: """ + "x" * 1500 + "\n"
    )
    assert result.errors == ()


def test_question_longer_than_an_embed_title_is_reported_at_the_question():
    error = the_error(
        """\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: """ + "q" * 257 + """
            aliases: []
            answer: No.
        """
    )
    assert (error.line, error.column) == (6, 15)
    assert error.entry_id == "fees"
    assert error.message == "entries.0.question: String should have at most 256 characters"


def test_apply_url_without_a_scheme_is_reported_at_the_url():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No.
        """)
    assert (error.line, error.column) == (3, 14)
    assert error.entry_id is None
    assert error.message == "programme.apply_url: Value error, not a valid http(s) URL"
    assert error.fix == "use a full link such as https://example.org/page"


def test_source_url_with_a_space_is_reported_at_the_url():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
          source_url: "https://hugging face.co/blog"
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No.
        """)
    assert (error.line, error.column) == (4, 15)
    assert error.message == "programme.source_url: Value error, not a valid http(s) URL"


def test_entry_source_url_that_is_not_http_is_reported_with_its_entry():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No.
            source_url: ftp://example.org/fees
        """)
    assert (error.line, error.column) == (9, 17)
    assert error.entry_id == "fees"
    assert error.message == "entries.0.source_url: Value error, not a valid http(s) URL"


@pytest.mark.parametrize("bad_id", ["Fees", "part time", "-fees", "frais-é"])
def test_id_that_is_not_a_lowercase_slug_is_reported_at_the_id(bad_id):
    error = the_error(f"""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: "{bad_id}"
            question: Is there a fee?
            aliases: []
            answer: No.
        """)
    assert (error.line, error.column) == (5, 9)
    assert error.entry_id == bad_id
    assert error.message.startswith("entries.0.id: String should match pattern")
    assert error.fix == "use lowercase letters, digits, '-' and '_' only"


def test_aliases_written_as_text_instead_of_a_list_are_reported():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: is it free
            answer: No.
        """)
    assert (error.line, error.column) == (7, 14)
    assert error.entry_id == "fees"
    assert error.message == "entries.0.aliases: Input should be a valid list"
    assert error.fix == "make it a YAML list (lines starting with '- ')"


def test_answer_that_yaml_reads_as_a_boolean_is_reported_with_a_quoting_fix():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is it free?
            aliases: []
            answer: yes
        """)
    assert (error.line, error.column) == (8, 13)
    assert error.message == "entries.0.answer: Input should be a valid string"
    assert "quote it" in error.fix


def test_entries_missing_altogether_is_reported():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        """)
    assert (error.line, error.column) == (1, 1)
    assert error.message == "entries: missing required field 'entries'"


def test_every_schema_error_in_the_file_is_reported_not_just_the_first():
    result = check("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: ""
          - id: Salary
            question: Is it paid?
            aliases: []
            answer: Yes.
          - id: benefits
            question: Any benefits?
            aliases: insurance
            answer: Yes.
        """)
    assert [(p.line, p.entry_id) for p in result.errors] == [
        (8, "fees"), (9, "Salary"), (15, "benefits"),
    ]


def test_problems_are_listed_in_file_order():
    result = check("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: ""
          - id: salary
            question: Is it paid?
            question: Do residents get paid?
            aliases: []
            answer: Yes.
        """)
    assert [p.line for p in result.errors] == [8, 11]


# --- consistency across entries ------------------------------------------------------------


def test_duplicate_id_is_reported_at_the_second_entry_and_names_the_first_line():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No.
          - id: fees
            question: Does it cost anything to join?
            aliases: []
            answer: No.
        """)
    assert (error.line, error.column) == (9, 9)
    assert error.entry_id == "fees"
    assert error.message == "duplicate id 'fees' (first at line 5)"
    assert error.fix == "give this entry a unique id"


def test_alias_repeated_in_another_entry_is_an_error_at_the_second_one():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases:
              - is it free
            answer: No.
          - id: salary
            question: Is it paid?
            aliases:
              - Is it FREE?
            answer: Yes.
        """)
    assert (error.line, error.column) == (13, 9)
    assert error.entry_id == "salary"
    assert error.message == "'Is it FREE?' is also a phrasing of 'fees'"
    assert error.fix == "keep it in only one of the two entries"


def test_alias_equal_to_another_entrys_question_is_an_error():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No.
          - id: costs
            question: Does it cost anything?
            aliases:
              - is there a fee
            answer: No.
        """)
    assert (error.line, error.entry_id) == (12, "costs")
    assert error.message == "'is there a fee' is also a phrasing of 'fees'"


def test_a_members_question_asked_in_another_entry_is_an_error_at_its_line():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No.
            asked:
              - do i pay to apply
          - id: salary
            question: Is it paid?
            aliases: []
            answer: Yes.
            asked:
              - is it a paid job
              - Do I pay to apply??
        """)
    assert (error.line, error.column, error.entry_id) == (17, 9, "salary")
    assert error.message == "'Do I pay to apply??' is also a phrasing of 'fees'"


def test_a_not_covered_topic_without_any_question_is_an_error():
    error = the_error("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No.
        not_covered:
          - topic: visa
            asked: []
        """)
    assert (error.line, error.column) == (10, 5)
    assert error.message == "not_covered.0: a topic needs at least one question"
    assert error.fix == "add a question under `questions:`"


def test_members_questions_alone_make_a_topic_and_are_never_asked_to_be_reworded():
    # As aliases, these two would be warned about (see CONFUSABLE below); a member's
    # question is kept as the member wrote it.
    result = check("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No.
            asked:
              - residency money
          - id: salary
            question: Is it paid?
            aliases: []
            answer: Yes.
            asked:
              - money residency
        not_covered:
          - topic: visa
            asked:
              - do you sponsor visas
        """)
    assert result.knowledge is not None
    assert result.problems == ()
    assert result.knowledge.matcher.match("do you sponsor visas").decision is Decision.DECLINE


# --- warnings ------------------------------------------------------------------------------


def test_alias_repeated_within_one_entry_is_a_warning_that_does_not_stop_loading():
    result = check("""\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
        entries:
          - id: fees
            question: Is there a fee?
            aliases:
              - is it free
              - is it free!
            answer: No.
        """)
    assert result.knowledge is not None
    assert result.errors == ()
    [warning] = result.warnings
    assert (warning.line, warning.column, warning.entry_id) == (9, 9, "fees")
    assert warning.message == "'is it free!' is repeated in this entry"
    assert str(warning).startswith("faqs.yaml:9:9: warning [fees]:")


# The two aliases hold the same words, so no scoring can tell them apart.
CONFUSABLE = """\
    programme:
      name: Test Residency
      apply_url: https://apply.example.org/j/1
    entries:
      - id: fees
        question: Is there a fee?
        aliases:
          - residency money
        answer: No.
      - id: salary
        question: Is it paid?
        aliases:
          - money residency
        answer: Yes.
    """


def test_confusable_aliases_are_warned_about_with_both_ids():
    result = check(CONFUSABLE)
    warning = next(w for w in result.warnings if w.line == 8)
    assert warning.column == 9
    assert warning.entry_id == "fees"
    assert "'residency money'" in warning.message
    assert "'fees'" in warning.message and "'salary'" in warning.message
    assert "'salary'" in warning.fix


PULLED_AWAY = """\
    programme:
      name: Test Residency
      apply_url: https://apply.example.org/j/1
    entries:
      - id: about
        question: What is the residency?
        aliases:
          - what is this programme
          - explain the residency
        answer: A research job.
      - id: ideal-candidate
        question: Who is the residency for?
        aliases:
          - who should apply
          - ideal candidate?
        answer: Future PhD students.
    """


def test_an_alias_that_pulls_another_entrys_question_away_is_warned_about():
    # This alias of 'about' makes "Who is the residency for?" a choice between 'about' and
    # 'ideal-candidate' instead of an answer. (Stop 8's real edit, "what does the residency
    # do for the people who get in", no longer does since the classifier's share of the
    # score, stop 20.)
    anchor = "          - explain the residency\n"
    edited = PULLED_AWAY.replace(anchor, anchor + "          - who is the residency for and "
                                 "what is it\n", 1)
    result = check(edited)
    assert result.knowledge is not None  # a warning, not an error

    def about_the_question(warnings: tuple[Problem, ...]) -> list[Problem]:
        return [w for w in warnings if w.entry_id == "ideal-candidate"
                and w.message.startswith("question 'Who is the residency for?' scores")]

    assert about_the_question(check(PULLED_AWAY).warnings) == []
    [warning] = about_the_question(result.warnings)
    assert (warning.line, warning.column) == (13, 15)
    assert "'about'" in warning.message and "'about'" in warning.fix


def test_an_alias_under_its_entrys_raised_bar_is_warned_about_without_a_rival_to_move_to():
    raised = Thresholds(entry_offsets={"ideal-candidate": 0.38})
    result = load_faq_text(textwrap.dedent(PULLED_AWAY), "faqs.yaml", raised)
    assert result.knowledge is not None
    warnings = [w for w in result.warnings if w.entry_id == "ideal-candidate"]
    assert warnings and all(", under its bar of 0.93: members asking something close to it "
                            "may get no answer" in w.message for w in warnings)
    assert all("move" not in w.fix for w in warnings)
    assert [w for w in check(PULLED_AWAY).warnings if w.entry_id == "ideal-candidate"] == []


def test_an_alias_under_its_bar_is_warned_about_when_no_other_entry_comes_near():
    alone = """\
        programme: {name: Test Residency, apply_url: "https://apply.example.org/j/1"}
        entries:
          - id: fees
            question: Is there an application fee?
            aliases: [do applicants pay anything]
            answer: No.
        """
    raised = Thresholds(entry_offsets={"fees": 0.43})
    result = load_faq_text(textwrap.dedent(alone), "faqs.yaml", raised)
    assert [(w.line, w.entry_id) for w in result.warnings] == [(4, "fees"), (5, "fees")]
    assert all("under its bar of 0.98" in w.message for w in result.warnings)
    assert check(alone).warnings == ()


def test_confusable_aliases_do_not_stop_loading():
    result = check(CONFUSABLE)
    assert result.warnings
    assert result.errors == ()
    assert result.knowledge is not None


# --- what a minimal FAQ needs --------------------------------------------------------------


def test_minimal_faq_with_no_aliases_validates():
    result = check("""\
        programme: {name: Test Residency, apply_url: "https://apply.example.org/j/1"}
        entries:
          - id: fees
            question: Is there a fee?
            aliases: []
            answer: No.
        """)
    assert result.errors == ()
    assert result.knowledge is not None
    assert result.knowledge.matcher.match("is there a fee").entry_id == "fees"


def test_minimal_faq_with_many_aliases_validates():
    many = "".join(f"      - fee question number {n}\n" for n in range(40))
    result = load_faq_text(
        "programme:\n"
        "  name: Test Residency\n"
        "  apply_url: https://apply.example.org/j/1\n"
        "entries:\n"
        "  - id: fees\n"
        "    question: Is there a fee?\n"
        "    aliases:\n"
        + many +
        "    answer: No.\n"
        "  - id: salary\n"
        "    question: Is it paid?\n"
        "    aliases: [paid?, salary?]\n"
        "    answer: Yes.\n",
        "faqs.yaml",
    )
    assert result.errors == ()
    assert result.knowledge is not None
    assert len(result.knowledge.entry("fees").aliases) == 40


# --- the shipped FAQ -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    result = load_faq(SHIPPED_FAQ)
    assert result.errors == (), [str(p) for p in result.errors]
    assert result.knowledge is not None
    return result.knowledge


def test_shipped_faq_validates_without_errors(shipped):
    assert shipped.faq.entries


def test_shipped_faq_has_exactly_the_contract_ids(shipped):
    ids = [entry.id for entry in shipped.faq.entries]
    assert len(ids) == len(set(ids))
    assert set(ids) == CONTRACT_IDS


def test_shipped_faq_has_10_to_35_aliases_per_entry(shipped):
    counts = {entry.id: len(entry.aliases) for entry in shipped.faq.entries}
    assert all(10 <= n <= 35 for n in counts.values()), counts


def test_shipped_faq_links_to_the_application(shipped):
    assert shipped.faq.programme.apply_url == "https://apply.workable.com/huggingface/j/TBD"


def test_shipped_answers_state_no_deadline(shipped):
    mentions = [e.id for e in shipped.faq.entries if "deadline" in e.answer.casefold()]
    assert mentions == []


def test_shipped_answers_state_no_salary_figure(shipped):
    figure = re.compile(r"\d\s*(k\b|\$|€|usd)|[$€]\s*\d|usd\s*\d", re.IGNORECASE)
    mentions = [e.id for e in shipped.faq.entries if figure.search(e.answer)]
    assert mentions == []


def test_shipped_answers_state_no_visa_policy(shipped):
    mentions = [e.id for e in shipped.faq.entries if "visa" in e.answer.casefold()]
    assert mentions == []


# --- reloading a live FAQ ------------------------------------------------------------------

SMALL_FAQ = """\
    programme:
      name: Test Residency
      apply_url: https://apply.example.org/j/1
    entries:
      - id: fees
        question: Is there a fee?
        aliases: [is it free]
        answer: No fees at all.
      - id: salary
        question: Is it paid?
        aliases: [whats the salary]
        answer: Yes, a competitive salary.
      - id: relocation
        question: Do I have to relocate?
        aliases: [is it remote]
        answer: No, it is remote.
    """

EDITED_FAQ = """\
    programme:
      name: Test Residency
      apply_url: https://apply.example.org/j/1
    entries:
      - id: fees
        question: Is there a fee?
        aliases: [is it free]
        answer: No fees at all.
      - id: salary
        question: Is it paid?
        aliases: [whats the salary]
        answer: Yes, all residents are paid a competitive salary.
      - id: part-time
        question: Can I do it part-time?
        aliases: [part time]
        answer: No, full-time only.
    """


@pytest.fixture()
def live(tmp_path):
    path = tmp_path / "faqs.yaml"
    path.write_text(textwrap.dedent(SMALL_FAQ), encoding="utf-8")
    result = load_faq(path, check_confusion=False)
    assert result.knowledge is not None
    return path, FaqStore(result.knowledge)


def test_failed_reload_keeps_serving_the_previous_answers(live):
    path, store = live
    before = store.current
    path.write_text("programme: [unclosed\n", encoding="utf-8")

    change, result = store.reload()

    assert change is None
    assert result.errors
    assert store.current is before
    _, reply = respond(store.current, "is it remote?")
    assert reply.body == "No, it is remote."


def test_reload_with_a_schema_error_keeps_serving_the_previous_answers(live):
    path, store = live
    before = store.current
    path.write_text(textwrap.dedent(EDITED_FAQ).replace("answer: No fees at all.", "answer:"),
                    encoding="utf-8")

    change, result = store.reload()

    assert change is None
    assert result.errors[0].entry_id == "fees"
    assert store.current is before


def test_good_reload_serves_the_new_answers(live):
    path, store = live
    path.write_text(textwrap.dedent(EDITED_FAQ), encoding="utf-8")

    store.reload()

    _, reply = respond(store.current, "whats the salary")
    assert reply.body == "Yes, all residents are paid a competitive salary."


def test_good_reload_reports_added_changed_and_removed_ids(live):
    path, store = live
    path.write_text(textwrap.dedent(EDITED_FAQ), encoding="utf-8")

    change, result = store.reload()

    assert result.errors == ()
    assert change is not None
    assert change.added == ("part-time",)
    assert change.changed == ("salary",)
    assert change.removed == ("relocation",)
    assert change.summary() == (
        "FAQ reloaded: added 1 (part-time); changed 1 (salary); removed 1 (relocation)."
    )


def test_reload_of_an_unchanged_file_reports_no_change(live):
    _, store = live
    change, _ = store.reload()
    assert change is not None
    assert change.summary() == "FAQ reloaded: no entry changed."


@pytest.mark.parametrize(("share", "margin"), [(0.10, 0.04), (0.40, 0.04), (0.10, 0.25)])
def test_validate_warns_about_exactly_the_phrasings_a_full_ranking_does_not_answer(share, margin):
    # validate skips the classifier for a phrasing whose entry leads by more than all the
    # classifier could add (``Matcher.rank_unless_settled``): it must warn about the same
    # phrasings as ranking each one in full, however large that share or the margin.
    knowledge = load_faq(SHIPPED_FAQ, check_confusion=False).knowledge
    assert knowledge is not None
    matcher, faq = knowledge.matcher, knowledge.faq
    matcher.weights = replace(matcher.weights, classifier=share)
    matcher.thresholds = replace(matcher.thresholds, margin=margin)
    in_full = set()  # (entry's index, 0 for its question or 1 + the alias's)
    for index, entry in enumerate(faq.entries):
        for at, text in enumerate((entry.question, *entry.aliases)):
            ranking = matcher.rank(text, exact_phrasings=False)
            own = next(c for c in ranking if c.id == entry.id)
            rival = next((c for c in ranking if c.id != entry.id), None)
            decided = matcher.decide([own, rival] if rival else [own])
            if (decided.decision, decided.entry_id) != (Decision.ANSWER, entry.id):
                in_full.add((index, at))

    def locate(where: tuple[str | int, ...]) -> tuple[int, int]:
        _, index, kind, *alias = where
        return int(index), 0 if kind == "question" else 1 + int(alias[0])

    warned = {(w.line, w.column) for w in confusion_warnings("faqs.yaml", faq, matcher, locate)}
    assert warned == in_full
    assert 0 < len(in_full) < sum(1 + len(e.aliases) for e in faq.entries) // 2


def test_loading_pauses_the_garbage_collector_only_while_it_runs(monkeypatch):
    # A load pauses the cyclic collector (it would walk the growing index over and over);
    # whatever happens, the bot's process gets it back as it was.
    assert gc.isenabled()
    assert check("entries: [\n").errors  # broken YAML
    assert gc.isenabled()
    assert load_faq(SHIPPED_FAQ).knowledge is not None
    assert gc.isenabled()
    gc.disable()
    try:
        assert load_faq(SHIPPED_FAQ).knowledge is not None
        assert not gc.isenabled()  # the caller's choice stands
    finally:
        gc.enable()

    def fails(text: str) -> None:
        assert not gc.isenabled()  # paused while it parses
        raise MemoryError

    monkeypatch.setattr("bot.knowledge.compose_with_locations", fails)
    with pytest.raises(MemoryError):
        check(CONFUSABLE)
    assert gc.isenabled()
