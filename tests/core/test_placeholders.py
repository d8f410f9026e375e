"""Placeholders: core holds the mechanism, each kind of text declares its own catalogue where it lives
and fills exactly the names it declares."""
import pytest

from apps.core import placeholders
from apps.core.placeholders import Catalogue
from apps.helpdesk.canned_placeholders import CANNED_PLACEHOLDERS
from apps.letters.placeholders import LETTER_PLACEHOLDERS


def test_core_declares_no_catalogue_of_its_own():
    assert not [name for name, value in vars(placeholders).items() if isinstance(value, Catalogue)]


def test_a_catalogue_checks_text_against_its_own_names_only():
    assert LETTER_PLACEHOLDERS.problems("Dear {{ person.name }}, {{ today }}") == []
    assert CANNED_PLACEHOLDERS.problems("Dear {{ person.name }}") == [
        f"Unknown placeholder {{{{ person.name }}}}: use one of {', '.join(CANNED_PLACEHOLDERS.names)}."]
    assert LETTER_PLACEHOLDERS.problems("{{ ticket.number }} {{ open") == [
        f"Unknown placeholder {{{{ ticket.number }}}}: use one of {', '.join(LETTER_PLACEHOLDERS.names)}.",
        "A placeholder's braces do not match: write {{ name }}."]
    assert LETTER_PLACEHOLDERS.help_text().startswith("Placeholders: {{ person.name }}, {{ person.given_name }}")


def test_values_are_given_for_exactly_the_declared_names():
    catalogue = Catalogue({"a": "first", "b": "second"})
    assert catalogue.values({"a": "1", "b": "<2>"}).fill("{{ a }}{{b}}", html=True) == "1&lt;2&gt;"
    with pytest.raises(ValueError, match=r"\['b'\]"):
        catalogue.values({"a": "1"})
    with pytest.raises(ValueError, match=r"\['c'\]"):
        catalogue.values({"a": "1", "b": "2", "c": "3"})
