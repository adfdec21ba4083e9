"""The moderator's and developer's command line, driven through ``bot.cli.main``."""

from __future__ import annotations

import io
import json
import re
import textwrap
from pathlib import Path

import pytest

from bot import chat
from bot.cli import main
from bot.knowledge import Knowledge, load_faq
from bot.matching import Thresholds
from bot.replies import DECLINE_TEXT, answer, respond
from bot.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
APPLY_URL = "https://apply.workable.com/huggingface/j/TBD"

# A tiny FAQ whose answers appear nowhere else, to prove --faq is read.
TEST_FAQ = """\
    programme:
      name: Test Residency
      apply_url: https://apply.example.org/j/1
      source_url: https://example.org/announcement
    entries:
      - id: fees
        question: Residency charge?
        aliases: [is it free]
        answer: No fees (answer from the test FAQ).
      - id: salary
        question: Residency salary?
        aliases: [is it paid]
        answer: Paid (answer from the test FAQ).
    """

BROKEN_FAQ = """\
    programme:
      name: Test Residency
      apply_url: https://apply.example.org/j/1
    entries:
      - id: fees
        question: Residency fee?
        aliases: []
    """


@pytest.fixture(autouse=True)
def in_project(monkeypatch):
    """Run from the project root, where config/bot.yaml and data/faqs.yaml are found."""
    monkeypatch.chdir(ROOT)


@pytest.fixture()
def test_faq(tmp_path) -> Path:
    path = tmp_path / "test-faq.yaml"
    path.write_text(textwrap.dedent(TEST_FAQ), encoding="utf-8")
    return path


@pytest.fixture()
def broken_faq(tmp_path) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(textwrap.dedent(BROKEN_FAQ), encoding="utf-8")
    return path


def knowledge_of(path: Path) -> Knowledge:
    """The knowledge the CLI serves: the file with the configured thresholds."""
    thresholds = load_settings().matching.thresholds()
    knowledge = load_faq(path, thresholds, check_confusion=False).knowledge
    assert knowledge is not None
    return knowledge


def stdin_lines(monkeypatch, *lines: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))


# --- validate ------------------------------------------------------------------------------


def test_validate_passes_the_shipped_faq(capsys):
    assert main(["validate"]) == 0
    assert "data/faqs.yaml: OK, 17 entries" in capsys.readouterr().out


def test_validate_fails_a_broken_file(broken_faq):
    assert main(["validate", str(broken_faq)]) == 1


def test_validate_prints_each_error_as_file_line_column(broken_faq, capsys):
    main(["validate", str(broken_faq)])
    out = capsys.readouterr().out
    assert f"{broken_faq}:5:5: error [fees]: entries.0.answer: missing required field " \
           "'answer' — fix: add the field" in out
    assert f"{broken_faq}: 1 error(s), 0 warning(s)" in out


def test_validate_with_only_warnings_passes(tmp_path, capsys):
    path = tmp_path / "warned.yaml"
    path.write_text(textwrap.dedent(TEST_FAQ).replace(
        "aliases: [is it free]", "aliases: [is it free, is it free]"), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert "warning [fees]" in capsys.readouterr().out


def test_validate_of_a_missing_file_fails(tmp_path, capsys):
    missing = tmp_path / "missing.yaml"
    assert main(["validate", str(missing)]) == 1
    assert f"{missing}:1:1: error: cannot read the file" in capsys.readouterr().out


# --- ask -----------------------------------------------------------------------------------


def test_ask_prints_the_answer_with_the_application_link(capsys):
    assert main(["ask", "do", "I", "have", "to", "move", "to", "Paris?"]) == 0
    out = capsys.readouterr().out
    assert "**Will I be required to relocate for this residency?**" in out
    assert "We are a distributed team" in out
    assert f"Apply: {APPLY_URL}" in out


def test_ask_prints_exactly_the_reply_text(capsys):
    assert main(["ask", "is there a fee?"]) == 0
    _, reply = respond(knowledge_of(ROOT / "data" / "faqs.yaml"), "is there a fee?")
    assert capsys.readouterr().out == reply.as_text() + "\n"


def test_ask_an_off_topic_question_prints_the_polite_decline(capsys):
    assert main(["ask", "how do I fine-tune bert"]) == 0
    assert "Please ask a moderator" in capsys.readouterr().out


def test_ask_without_a_question_is_a_usage_error(capsys):
    assert main(["ask"]) == 2
    assert "give a QUESTION" in capsys.readouterr().err


def test_ask_json_writes_one_object_per_stdin_line_in_order(monkeypatch, capsys):
    questions = ["is it remote?", "hi", "is there a fee?", "how do I fine-tune bert"]
    stdin_lines(monkeypatch, *questions)

    assert main(["ask", "--json"]) == 0

    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["question"] for line in lines] == questions


def test_ask_json_objects_have_the_documented_keys(monkeypatch, capsys):
    stdin_lines(monkeypatch, "is it remote?", "hi")
    main(["ask", "--json"])
    for line in capsys.readouterr().out.splitlines():
        verdict = json.loads(line)
        assert set(verdict) == {"question", "decision", "entry_id", "confidence", "candidates"}
        assert verdict["decision"] in {"answer", "suggest", "decline"}
        assert 0.0 <= verdict["confidence"] <= 1.0
        assert len(verdict["candidates"]) <= 3
        assert all(set(c) == {"id", "score"} for c in verdict["candidates"])


def test_ask_json_names_the_answered_entry(monkeypatch, capsys):
    stdin_lines(monkeypatch, "is it remote?")
    main(["ask", "--json"])
    verdict = json.loads(capsys.readouterr().out)
    assert (verdict["decision"], verdict["entry_id"]) == ("answer", "relocation")
    assert verdict["candidates"][0]["id"] == "relocation"


def test_ask_json_entry_id_is_null_when_declining(monkeypatch, capsys):
    stdin_lines(monkeypatch, "how do I fine-tune bert")
    main(["ask", "--json"])
    verdict = json.loads(capsys.readouterr().out)
    assert (verdict["decision"], verdict["entry_id"]) == ("decline", None)


def test_ask_json_entry_id_is_null_when_suggesting(monkeypatch, capsys, test_faq):
    stdin_lines(monkeypatch, "residency?")
    main(["ask", "--json", "--faq", str(test_faq)])
    verdict = json.loads(capsys.readouterr().out)
    assert (verdict["decision"], verdict["entry_id"]) == ("suggest", None)


def test_ask_json_candidates_are_best_first(monkeypatch, capsys):
    stdin_lines(monkeypatch, "is it remote?", "how do I fine-tune bert", "good morning")
    main(["ask", "--json"])
    for line in capsys.readouterr().out.splitlines():
        scores = [c["score"] for c in json.loads(line)["candidates"]]
        assert scores == sorted(scores, reverse=True)


def test_ask_json_with_a_question_argument_writes_one_object(capsys):
    main(["ask", "--json", "is", "it", "remote?"])
    [line] = capsys.readouterr().out.splitlines()
    assert json.loads(line)["question"] == "is it remote?"


# --- eval ----------------------------------------------------------------------------------


@pytest.fixture()
def cases(tmp_path) -> Path:
    path = tmp_path / "cases.yaml"
    path.write_text(textwrap.dedent("""\
        - {q: "is it remote?", expect: [relocation]}
        - {q: "hi", expect: null}
        - {q: "is there a fee?", expect: [salary]}
        """), encoding="utf-8")
    return path


def test_eval_prints_the_totals(cases, capsys):
    assert main(["eval", str(cases)]) == 0
    out = capsys.readouterr().out
    assert "total 3: right 2 (66.7%), wrong 1 (33.3%), missed 0" in out


def test_eval_prints_each_miss(cases, capsys):
    main(["eval", str(cases)])
    out = capsys.readouterr().out
    assert re.search(r"^WRONG\s+answer\s+got=fees expected=salary .*q='is there a fee\?'$",
                     out, re.MULTILINE)


def test_eval_quiet_prints_only_the_totals(cases, capsys):
    main(["eval", str(cases), "--quiet"])
    assert capsys.readouterr().out.splitlines() == [
        "total 3: right 2 (66.7%), wrong 1 (33.3%), missed 0",
    ]


def test_eval_below_the_minimum_accuracy_exits_1(cases, capsys):
    assert main(["eval", str(cases), "--min-accuracy", "1.01"]) == 1
    assert "FAIL: accuracy" in capsys.readouterr().out


def test_eval_above_the_maximum_wrong_rate_exits_1(cases, capsys):
    assert main(["eval", str(cases), "--max-wrong", "0.1"]) == 1
    assert "FAIL: wrong answers" in capsys.readouterr().out


def test_eval_meeting_the_bars_exits_0(cases):
    assert main(["eval", str(cases), "--min-accuracy", "0.6", "--max-wrong", "0.4"]) == 0


# --- chat ----------------------------------------------------------------------------------


def test_chat_answers_each_piped_line_with_the_reply_text(monkeypatch, capsys):
    questions = ["is it remote?", "hi", "is there a fee?", "how do I fine-tune bert"]
    stdin_lines(monkeypatch, *questions)

    assert main(["chat"]) == 0

    knowledge = knowledge_of(ROOT / "data" / "faqs.yaml")
    expected = "".join(respond(knowledge, q)[1].as_text() + "\n\n" for q in questions)
    assert capsys.readouterr().out == expected


def test_chat_skips_blank_lines(monkeypatch, capsys):
    stdin_lines(monkeypatch, "", "   ", "is it remote?")
    main(["chat"])
    _, reply = respond(knowledge_of(ROOT / "data" / "faqs.yaml"), "is it remote?")
    assert capsys.readouterr().out == reply.as_text() + "\n\n"


def test_chat_picks_a_suggestion_by_number(monkeypatch, capsys, test_faq):
    knowledge = knowledge_of(test_faq)
    _, suggestion = respond(knowledge, "residency?")
    assert [c.entry_id for c in suggestion.choices] == ["fees", "salary"]
    stdin_lines(monkeypatch, "residency?", "2")

    main(["chat", "--faq", str(test_faq)])

    out = capsys.readouterr().out
    _, picked = respond(knowledge, "Residency salary?")
    assert out == suggestion.as_text() + "\n\n" + picked.as_text() + "\n\n"
    assert "Paid (answer from the test FAQ)." in out


def test_chat_picks_the_related_entry_of_a_decline_by_number():
    loose = Thresholds(answer=0.99, margin=0.04, suggest=0.99, suggest_window=0.1, related=0.3,
                       classifier_alone=1.01, classifier_agree=1.01)  # no second opinion
    knowledge = load_faq(ROOT / "data" / "faqs.yaml", loose, check_confusion=False).knowledge
    assert knowledge is not None
    # Not word for word a phrasing (that would score 1.0 and be answered).
    _, declined = respond(knowledge, "so is the residency paid?")
    assert declined.body.startswith(DECLINE_TEXT)
    assert "1. Is the residency paid?" in declined.as_text()
    out = io.StringIO()
    chat.run(knowledge, io.StringIO("so is the residency paid?\n1\n"), out, interactive=False)
    salary = knowledge.entry("salary")
    assert salary is not None
    assert out.getvalue() == (declined.as_text() + "\n\n"
                              + answer(knowledge, salary).as_text() + "\n\n")


def test_chat_number_without_pending_choices_is_a_question(monkeypatch, capsys):
    stdin_lines(monkeypatch, "2")
    main(["chat"])
    _, reply = respond(knowledge_of(ROOT / "data" / "faqs.yaml"), "2")
    assert capsys.readouterr().out == reply.as_text() + "\n\n"


# --- settings -------------------------------------------------------------------------------


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bot.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_an_entry_offset_in_the_config_changes_what_is_answered(tmp_path, test_faq, capsys):
    raised = write_config(tmp_path, """\
        matching:
          entry_offsets:
            fees: 0.3
          classifier_alone: 1.01  # the classifier would answer it whatever fees' bar
          classifier_agree: 1.01
        """)
    question = ["ask", "--json", "--faq", str(test_faq), "is it free or not"]
    main(question)  # scores about 0.7: answered at the usual bar...
    assert json.loads(capsys.readouterr().out)["entry_id"] == "fees"
    main([*question, "--config", str(raised)])  # ...declined at fees' raised one
    assert json.loads(capsys.readouterr().out)["decision"] == "decline"


def test_validate_warns_about_entry_offsets_naming_entries_the_faq_lacks(tmp_path, test_faq,
                                                                         capsys):
    config = write_config(tmp_path, """\
        matching:
          entry_offsets: {fees: 0.04, visa: 0.04}
        """)
    assert main(["validate", "--faq", str(test_faq), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert (f"{config}: warning: matching.entry_offsets names entries this FAQ does not "
            "have: visa — fix:") in out
    assert f"{test_faq}: OK, 2 entries, 1 warning(s)" in out


@pytest.mark.parametrize(("text", "message"), [
    ("matching:\n  answer: 7\n", "invalid settings in {}: matching.answer: Input should be "
                                  "less than or equal to 1"),
    ("matching:\n  entry_offsets: {fees: 0.9}\n", "invalid settings in {}: "
                                                   "matching.entry_offsets.fees: Input should be"),
    ("matching: [\n", "{}: line 2 is not valid YAML"),
])
@pytest.mark.parametrize("command", [["validate"], ["ask", "is it paid?"], ["chat"],
                                     ["eval", "tests/questions.yaml"], ["report"], ["run"],
                                     ["start"]])
def test_invalid_settings_are_one_error_line_for_every_command(tmp_path, capsys, text, message,
                                                               command):
    config = tmp_path / "bot.yaml"
    config.write_text(text, encoding="utf-8")
    assert main([*command, "--config", str(config)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: " + message.format(config))
    assert captured.err.count("\n") == 1 and captured.out == ""


# --- --faq is honoured by every command ----------------------------------------------------


def test_validate_reads_the_faq_option(test_faq, capsys):
    assert main(["validate", "--faq", str(test_faq)]) == 0
    assert f"{test_faq}: OK, 2 entries" in capsys.readouterr().out


def test_validate_fails_a_broken_faq_option(broken_faq):
    assert main(["validate", "--faq", str(broken_faq)]) == 1


def test_ask_reads_the_faq_option(test_faq, capsys):
    assert main(["ask", "--faq", str(test_faq), "is", "it", "free?"]) == 0
    out = capsys.readouterr().out
    assert "No fees (answer from the test FAQ)." in out
    assert "Apply: https://apply.example.org/j/1" in out


def test_ask_json_reads_the_faq_option(monkeypatch, test_faq, capsys):
    stdin_lines(monkeypatch, "is it paid?")
    main(["ask", "--json", "--faq", str(test_faq)])
    assert json.loads(capsys.readouterr().out)["entry_id"] == "salary"


def test_chat_reads_the_faq_option(monkeypatch, test_faq, capsys):
    stdin_lines(monkeypatch, "is it free?")
    main(["chat", "--faq", str(test_faq)])
    assert "No fees (answer from the test FAQ)." in capsys.readouterr().out


def test_eval_reads_the_faq_option(tmp_path, test_faq, capsys):
    cases = tmp_path / "cases.yaml"
    cases.write_text('- {q: "is it paid?", expect: [salary]}\n', encoding="utf-8")
    assert main(["eval", str(cases), "--faq", str(test_faq), "--min-accuracy", "1"]) == 0
    assert "total 1: right 1" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["ask", "hi"], ["ask", "--json", "hi"], ["chat"]])
def test_commands_refuse_a_broken_faq_option(monkeypatch, broken_faq, capsys, command):
    stdin_lines(monkeypatch, "hi")
    assert main([*command, "--faq", str(broken_faq)]) == 1
    err = capsys.readouterr().err
    assert f"{broken_faq}:5:5: error [fees]" in err
    assert "not loaded (1 error(s))" in err


def test_eval_refuses_a_broken_faq_option(cases, broken_faq, capsys):
    assert main(["eval", str(cases), "--faq", str(broken_faq)]) == 1
    assert f"{broken_faq}:5:5" in capsys.readouterr().err
