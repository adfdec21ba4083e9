"""Fixtures shared by the unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import Knowledge, load_faq

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def shipped() -> Knowledge:
    """The shipped FAQ (data/faqs.yaml), loaded once per test module."""
    knowledge = load_faq(ROOT / "data" / "faqs.yaml", check_confusion=False).knowledge
    assert knowledge is not None
    return knowledge
