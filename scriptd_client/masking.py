"""The one masking rule for what a script run produces: log lines, errors (stacks included) and results.

scriptd reports a run's output as the script produced it, over its private socket. Every path that stores,
shows or logs that output (Try runs, the login flows' records and messages) masks it here first, with the
run's secrets: the connection's *secret* configuration values and the passwords the run was given. Plain
configuration values (ports, host names, flags) are not secrets and are never masked.

For each secret, as given and in the escaped forms JSON.stringify and util.inspect print it in:
- 8 characters or longer: masked wherever it occurs, inside longer text too (a password inside a URL);
- shorter: masked only where it stands alone as a whole token (no letter, digit or _ on either side).
  Inside words a short value mangles ordinary text and gives itself away: a secret `e` would turn
  "please" into "pl********as" for everyone to read.
Results follow the same rule string by string, object keys included; numbers, booleans and null are kept.
Matching ignores case (a flow that lower-cases an email holding the password still shows a mask). The
text is masked in one pass, so a mask is never masked again and a secret that contains another is masked
whole.

Only masking here: the flows use the unmasked value (a login's profile is the user's data; a password
that happens to be part of an email address must not change the address).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

MASK = "********"
# Secrets shorter than this (in characters) are masked only as whole tokens; saving such a secret warns.
WHOLE_TOKEN_BELOW = 8


def is_short(value: str) -> bool:
    """A value masked only where it stands alone (see the module's rule)."""
    return len(value) < WHOLE_TOKEN_BELOW


def _forms(secret: str) -> Iterator[str]:
    yield secret
    yield json.dumps(secret, ensure_ascii=False)[1:-1]  # as JSON.stringify escapes it
    yield secret.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")  # as util.inspect does


def _fold(text: str) -> str:
    """Lower case, character by character, so positions in the folded text are positions in the text (a
    whole-string lower() may change lengths and, for a final sigma, depend on the neighbours)."""
    if text.isascii():
        return text.lower()
    return "".join(low if len(low := c.lower()) == 1 else c for c in text)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


class Masker:
    """Masks one run's secrets in text and in JSON-shaped values.

    Plain substring searches rather than one regular expression: compiling an alternation of a hundred
    4 kB secrets took seconds, and a login builds its masker on every run."""

    def __init__(self, secrets: Iterable[Any]):
        short: dict[str, bool] = {}  # folded form -> masked only as a whole token
        for secret in secrets:
            if not isinstance(secret, str) or not secret:
                continue
            for form in _forms(secret):
                folded = _fold(form)
                short[folded] = short.get(folded, True) and is_short(secret)
        self._forms = sorted(short.items(), key=lambda item: len(item[0]), reverse=True)

    @classmethod
    def for_run(
        cls, *, configuration: Mapping[str, Any], plain_keys: Iterable[str], passwords: Iterable[str]
    ) -> Masker:
        """The masker of a run given this configuration (its plain keys excepted) and these passwords."""
        plain = set(plain_keys)
        return cls([*(v for k, v in configuration.items() if k not in plain), *passwords])

    def text(self, text: str) -> str:
        """`text` with every occurrence the rule selects replaced by MASK: leftmost first, then longest, in
        one pass, so a mask is never masked again and a secret containing another is masked whole."""
        if not self._forms or not text:
            return text
        folded = _fold(text)
        spans = []
        for form, short in self._forms:
            start = folded.find(form)
            while start != -1:
                end = start + len(form)
                if not short or (
                    (start == 0 or not _is_word(folded[start - 1]))
                    and (end == len(folded) or not _is_word(folded[end]))
                ):
                    spans.append((start, -end))
                start = folded.find(form, start + 1)
        if not spans:
            return text
        out, position = [], 0
        for start, negative_end in sorted(spans):
            if start >= position:
                out += [text[position:start], MASK]
                position = -negative_end
        out.append(text[position:])
        return "".join(out)

    def value(self, value: Any) -> Any:
        """The same JSON-shaped structure with every string (and key) masked by the rule."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, (list, tuple)):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        return value
