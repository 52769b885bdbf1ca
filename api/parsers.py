"""JSON bodies for the API. Python's parser gives up on very deep nesting with a RecursionError (a 500), and a
body just shallow enough to parse would still be too deep for the code that reads it: both are a 400."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Auth0-shaped bodies nest a few levels; metadata and script arguments get room, not a thousand levels.
MAX_DEPTH = 64


def _depth(value) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                break
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            too_deep = _depth(data) > MAX_DEPTH
        except RecursionError:
            too_deep = True
        if too_deep:
            raise ParseError(f"JSON parse error - the body nests objects or lists more than {MAX_DEPTH} levels deep.")
        return data
