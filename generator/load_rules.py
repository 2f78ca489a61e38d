"""The loader's rules (Y codes), each declared once with its title: the loader and the
pipeline raise their findings under these, and the README's rule table is tested against them."""

from __future__ import annotations

from generator.diagnostics import RuleCode

UNREADABLE = RuleCode(
    "Y000", "the schemas folder exists and holds table files, and each file can be read")
SYNTAX = RuleCode("Y001", "the file is valid YAML")
DUPLICATE_KEY = RuleCode("Y002", "no mapping has a key twice")
NON_STRING_KEY = RuleCode("Y003", "mapping keys are strings")
TAG = RuleCode("Y004", "no YAML tags and no merge keys (`<<`)")
SEVERAL_DOCUMENTS = RuleCode("Y005", "a file holds one YAML document, not more")
NO_DOCUMENT = RuleCode("Y006", "a file holds a YAML document")
ENCODING = RuleCode(
    "Y007", "the text is UTF-8 without a stray byte order mark, control character or lone "
    "surrogate")
TOO_LARGE = RuleCode("Y008", "a file fits the size limit")
TOO_DEEP = RuleCode("Y009", "a document fits the nesting limit")
TOO_MANY_NODES = RuleCode("Y010", "a document fits the node limit, aliases expanded")
NOT_NFC = RuleCode("Y011", "strings are in Unicode normal form NFC")
CONTROL_CHARACTER = RuleCode("Y012", "strings hold no control or text-direction characters")
YAML11_BOOLEAN = RuleCode(
    "Y013", "no YAML 1.1 booleans (`yes`, `no`, `on`, `off`): `true`, `false` or quoted text")

RULES = (UNREADABLE, SYNTAX, DUPLICATE_KEY, NON_STRING_KEY, TAG, SEVERAL_DOCUMENTS, NO_DOCUMENT,
         ENCODING, TOO_LARGE, TOO_DEEP, TOO_MANY_NODES, NOT_NFC, CONTROL_CHARACTER,
         YAML11_BOOLEAN)
