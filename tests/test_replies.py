"""What the bot says: the reply parts and their plain-text rendering (bot/replies.py)."""

from __future__ import annotations

import textwrap

import pytest

from bot.knowledge import Knowledge, load_faq_text
from bot.matching import Candidate, Decision, Match
from bot.replies import (
    BYE_TEXT,
    DECLINE_TEXT,
    HELLO_TEXT,
    MESSAGE_LIMIT,
    RELATED_TEXT,
    THANKS_TEXT,
    Choice,
    Link,
    Reply,
    ReplyKind,
    answer,
    decline,
    entry_list,
    facts,
    for_match,
    respond,
    suggest,
)

APPLY_URL = "https://apply.workable.com/huggingface/j/TBD"
ANNOUNCEMENT_URL = "https://huggingface.co/blog/residency"


def knowledge_from(text: str) -> Knowledge:
    knowledge = load_faq_text(textwrap.dedent(text), check_confusion=False).knowledge
    assert knowledge is not None
    return knowledge


WITHOUT_ANNOUNCEMENT = """\
    programme:
      name: Test Residency
      apply_url: https://apply.example.org/j/1
    entries:
      - id: fees
        question: Is there a fee?
        aliases: []
        answer: No fees.
    """


# --- answers -------------------------------------------------------------------------------


def test_answer_is_titled_with_the_entry_question(shipped):
    reply = answer(shipped, shipped.entry("relocation"))
    assert reply.title == "Will I be required to relocate for this residency?"


def test_answer_body_is_the_entry_answer(shipped):
    entry = shipped.entry("relocation")
    assert answer(shipped, entry).body == entry.answer


def test_answer_links_to_the_application_and_the_announcement(shipped):
    reply = answer(shipped, shipped.entry("fees"))
    assert reply.links == (Link("Apply", APPLY_URL), Link("Announcement", ANNOUNCEMENT_URL))


def test_answers_come_from_the_faq_they_are_asked_of(shipped):
    # Replies are built once per FAQ: a reloaded FAQ with an edited answer must not get the
    # old one, and an entry from another FAQ is answered with its own text.
    edited = knowledge_from(WITHOUT_ANNOUNCEMENT.replace("No fees.", "Still no fees."))
    original = knowledge_from(WITHOUT_ANNOUNCEMENT)
    assert answer(original, original.entry("fees")).body == "No fees."
    assert answer(edited, edited.entry("fees")).body == "Still no fees."
    assert answer(original, edited.entry("fees")).body == "Still no fees."
    assert answer(original, original.entry("fees")).body == "No fees."
    assert answer(shipped, shipped.entry("fees")).body != "No fees."


def test_answer_without_an_announcement_links_only_to_the_application():
    knowledge = knowledge_from(WITHOUT_ANNOUNCEMENT)
    reply = answer(knowledge, knowledge.entry("fees"))
    assert reply.links == (Link("Apply", "https://apply.example.org/j/1"),)


def test_answer_text_shows_question_answer_and_application_link(shipped):
    _, reply = respond(shipped, "is it remote?")
    text = reply.as_text()
    assert reply.kind is ReplyKind.ANSWER
    assert reply.entry_id == "relocation"
    assert "**Will I be required to relocate for this residency?**" in text
    assert shipped.entry("relocation").answer in text
    assert f"Apply: {APPLY_URL}" in text
    assert f"Announcement: {ANNOUNCEMENT_URL}" in text


def test_longest_allowed_entry_fits_one_message_with_its_links():
    knowledge = knowledge_from(
        """\
        programme:
          name: Test Residency
          apply_url: https://apply.example.org/j/1
          source_url: https://example.org/announcement
        entries:
          - id: fees
            question: """ + "q" * 256 + """
            aliases: []
            answer: """ + "a" * 1500 + "\n"
    )
    text = answer(knowledge, knowledge.entry("fees")).as_text()
    assert len(text) <= MESSAGE_LIMIT
    assert text.count("a" * 1500) == 1
    assert "Apply: https://apply.example.org/j/1" in text
    assert "Announcement: https://example.org/announcement" in text


def test_answer_for_an_entry_no_longer_in_the_faq_declines(shipped):
    gone = Match(Decision.ANSWER, "visa", 0.9, (Candidate("visa", 0.9),))
    assert for_match(shipped, gone).kind is ReplyKind.DECLINE


# --- declines ------------------------------------------------------------------------------


def test_decline_says_to_ask_a_moderator_or_check_the_announcement(shipped):
    body = decline(shipped).body
    assert "moderator" in body
    assert "announcement" in body


def test_decline_links_to_the_announcement(shipped):
    assert decline(shipped).links == (Link("Announcement", ANNOUNCEMENT_URL),)


def test_decline_without_an_announcement_has_no_links_but_still_says_where_to_ask():
    reply = decline(knowledge_from(WITHOUT_ANNOUNCEMENT))
    assert reply.links == ()
    assert "moderator" in reply.as_text()


def test_decline_gives_no_answer_and_no_choices(shipped):
    reply = decline(shipped)
    assert (reply.kind, reply.title, reply.entry_id, reply.choices) == (
        ReplyKind.DECLINE, None, None, ())


def test_decline_never_invents_an_answer(shipped):
    _, reply = respond(shipped, "what is the application deadline?")
    text = reply.as_text()
    assert reply.kind is ReplyKind.DECLINE
    assert not any(entry.answer in text for entry in shipped.faq.entries)


def test_decline_offers_a_related_entry_as_a_choice_without_answering_it(shipped):
    match = Match(Decision.DECLINE, None, 0.45, (Candidate("salary", 0.45),),
                  related=Candidate("salary", 0.45))
    reply = for_match(shipped, match)
    assert reply.kind is ReplyKind.DECLINE
    assert reply.body == f"{DECLINE_TEXT}\n{RELATED_TEXT}"
    assert reply.choices == (Choice("salary", "Is the residency paid?"),)
    assert shipped.entry("salary").answer not in reply.as_text()


def test_decline_is_the_same_whatever_was_asked(shipped):
    _, deadline = respond(shipped, "what is the application deadline?")
    _, visa = respond(shipped, "do you sponsor visas?")
    assert deadline.as_text() == visa.as_text()


# --- greetings and thanks --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["hi", "Hello!", "hiiii everyone", "hey bot", "gm all 👋"])
def test_a_bare_greeting_gets_a_hello_with_an_example_question(shipped, text):
    match, reply = respond(shipped, text)
    assert match.decision is Decision.DECLINE  # no FAQ answer is claimed
    assert (reply.kind, reply.body) == (ReplyKind.DECLINE, HELLO_TEXT)
    assert "is it remote?" in reply.as_text()


@pytest.mark.parametrize("text", ["thanks!", "thank you so much", "thx bot", "ty",
                                  "ok cool, thanks a lot", "Thanks, that was helpful",
                                  "thank you sir", "thank u so much ma'am", "ok thanks bye",
                                  "thanks a lot, good night"])
def test_a_bare_thank_you_gets_you_are_welcome(shipped, text):
    match, reply = respond(shipped, text)
    assert match.decision is Decision.DECLINE
    assert reply.body == THANKS_TEXT


@pytest.mark.parametrize("text", ["bye", "ok bye!", "good night", "cya later guys"])
def test_a_bare_goodbye_gets_a_goodbye(shipped, text):
    match, reply = respond(shipped, text)
    assert match.decision is Decision.DECLINE
    assert reply.body == BYE_TEXT


def test_a_greeting_or_thanks_with_a_question_gets_the_question_answered(shipped):
    assert respond(shipped, "hi! is it paid?")[1].entry_id == "salary"
    assert respond(shipped, "thanks, and do I have to relocate?")[1].entry_id == "relocation"
    # ... or declined as usual when the FAQ does not cover it.
    assert respond(shipped, "thanks! when is the deadline?")[1].body == DECLINE_TEXT


def test_chatter_that_is_not_a_greeting_still_gets_the_polite_decline(shipped):
    assert respond(shipped, "ok")[1].body == DECLINE_TEXT
    assert respond(shipped, "what's your favourite movie")[1].body == DECLINE_TEXT


# --- suggestions ---------------------------------------------------------------------------


def test_suggestion_offers_one_choice_per_close_entry(shipped):
    reply = suggest(shipped, ("salary", "fees"))
    assert reply.kind is ReplyKind.SUGGEST
    assert reply.choices == (
        Choice("salary", "Is the residency paid?"),
        Choice("fees", "Is there a fee associated with this program?"),
    )


def test_suggestion_text_numbers_the_choices(shipped):
    text = suggest(shipped, ("salary", "fees")).as_text()
    assert "1. Is the residency paid?" in text
    assert "2. Is there a fee associated with this program?" in text


def test_suggestion_labels_fit_a_discord_button(shipped):
    reply = suggest(shipped, ("concurrent-obligations",))
    [choice] = reply.choices
    assert len(choice.label) <= 80
    assert choice.label.startswith("Can I be enrolled as a student")
    assert choice.label.endswith("…")


def test_suggestion_skips_ids_not_in_the_faq(shipped):
    assert [c.entry_id for c in suggest(shipped, ("visa", "fees")).choices] == ["fees"]


def test_suggest_verdict_becomes_a_suggestion_reply(shipped):
    close = (Candidate("salary", 0.5), Candidate("fees", 0.48))
    verdict = Match(Decision.SUGGEST, None, 0.5, (*close, Candidate("about", 0.1)), close)
    reply = for_match(shipped, verdict)
    assert [c.entry_id for c in reply.choices] == ["salary", "fees"]


# --- one Discord message at most -----------------------------------------------------------


def test_text_longer_than_a_message_is_cut_to_2000_characters_with_an_ellipsis():
    text = Reply(ReplyKind.INFO, body="x" * 5_000).as_text()
    assert len(text) == MESSAGE_LIMIT
    assert text.endswith("…")


def test_text_of_many_long_fields_stays_within_one_message():
    fields = tuple((f"Fact {n}", "y" * 1_024) for n in range(25))
    assert len(Reply(ReplyKind.INFO, body="", fields=fields).as_text()) <= MESSAGE_LIMIT


@pytest.mark.parametrize("entry_id", ["about", "diversity", "how-to-apply", "requirements"])
def test_every_shipped_answer_fits_one_message(shipped, entry_id):
    assert len(answer(shipped, shipped.entry(entry_id)).as_text()) <= MESSAGE_LIMIT


# --- quick facts ---------------------------------------------------------------------------


def test_facts_lists_every_quick_fact(shipped):
    reply = facts(shipped)
    assert reply.title == "Hugging Face AI Research Residency Program"
    assert [name for name, _ in reply.fields] == [
        "Duration", "Commitment", "Location", "Pay", "Benefits", "Fees", "Who",
    ]
    assert Link("Apply", APPLY_URL) in reply.links


def test_facts_with_a_key_shows_only_that_fact(shipped):
    reply = facts(shipped, "fees")
    assert reply.fields == (("Fees", "There are no fees to participate in the program."),)


def test_facts_with_an_unknown_key_lists_the_known_ones(shipped):
    reply = facts(shipped, "visa")
    assert reply.fields == ()
    assert reply.body == (
        "There is no quick fact called 'visa'. Known facts: duration, commitment, location, "
        "pay, benefits, fees, who."
    )


def test_facts_of_a_programme_without_facts_says_none_are_known():
    reply = facts(knowledge_from(WITHOUT_ANNOUNCEMENT), "pay")
    assert reply.body.endswith("Known facts: none.")


# --- browsing every entry ------------------------------------------------------------------


def test_entry_list_first_page_shows_ten_entries(shipped):
    reply, pages = entry_list(shipped, 0)
    assert pages == 2
    assert len(reply.body.splitlines()) == 10
    assert reply.body.splitlines()[0] == "`about` — What is the Hugging Face AI Research Residency?"
    assert reply.footer.startswith("Page 1/2")


def test_entry_list_last_page_shows_the_rest(shipped):
    reply, _ = entry_list(shipped, 1)
    assert len(reply.body.splitlines()) == 7
    assert reply.body.splitlines()[-1].startswith("`announcement` — ")
    assert reply.footer.startswith("Page 2/2")


def test_entry_list_title_counts_every_entry(shipped):
    assert entry_list(shipped, 0)[0].title == "FAQ (17 entries)"


@pytest.mark.parametrize(("asked", "shown"), [(-3, "Page 1/2"), (99, "Page 2/2")])
def test_entry_list_page_out_of_range_shows_the_nearest_page(shipped, asked, shown):
    reply, _ = entry_list(shipped, asked)
    assert reply.footer.startswith(shown)


def test_entry_list_page_size_sets_the_number_of_pages(shipped):
    reply, pages = entry_list(shipped, 3, per_page=5)
    assert pages == 4
    assert len(reply.body.splitlines()) == 2
