"""Which pages a survey targets: URL rules on the page's path, and the site's departments.

Rules never run a user-written regular expression. Globs are matched segment by segment by the
code below, whose cost is bounded by (pattern length × path length), so a crafted pattern cannot
stall the API.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import unquote, urlsplit

from surveys.model import DEPARTMENT, EXACT, GLOB, PREFIX, TEMPLATE, UrlRule

TEMPLATE_PARAM = re.compile(r"^:[A-Za-z_][A-Za-z0-9_]*$")
GLOB_MAX_WILDCARDS = 10
MAX_URL_CHARS = 4096


class BadUrl(ValueError):
    """The page URL is neither an http(s) URL nor an absolute path."""


def page_path(url: str) -> str:
    """The decoded path a rule is matched against, with a hash route (`#/…`, `#!/…`) appended.

    `https://city.example/permits/12/?step=2` → `/permits/12`; the query is never looked at.
    """
    if len(url) > MAX_URL_CHARS:
        raise BadUrl("too long")
    try:
        parts = urlsplit(url)
    except ValueError as err:
        raise BadUrl("unparsable") from err
    if parts.scheme not in ("http", "https", "") or (not parts.scheme and not url.startswith("/")):
        raise BadUrl("not an http(s) URL or a path")
    path = unquote(parts.path) or "/"
    if parts.fragment.startswith(("/", "!/")):
        path = path.rstrip("/") + "/#/" + unquote(parts.fragment.lstrip("!/").split("?")[0])
    return _trim(path)


def department_of(path: str, departments: Mapping[str, str]) -> str | None:
    """The department whose path prefix is the longest that `path` falls under."""
    best: tuple[int, str] | None = None
    for prefix, department in departments.items():
        if under_prefix(path, prefix) and (best is None or len(prefix) > best[0]):
            best = (len(prefix), department)
    return None if best is None else best[1]


def targets(rules: Iterable[UrlRule], path: str, department: str | None) -> bool:
    """At least one including rule matches and no excluding rule does."""
    included = False
    for rule in rules:
        if rule_matches(rule, path, department):
            if rule.exclude:
                return False
            included = True
    return included


def rule_matches(rule: UrlRule, path: str, department: str | None) -> bool:
    if rule.kind == EXACT:
        return path == _trim(rule.value)
    if rule.kind == PREFIX:
        return under_prefix(path, rule.value)
    if rule.kind == TEMPLATE:
        return template_matches(rule.value, path)
    if rule.kind == GLOB:
        return glob_matches(rule.value, path)
    if rule.kind == DEPARTMENT:
        return department is not None and department == rule.value
    return False


def under_prefix(path: str, prefix: str) -> bool:
    """`/permits` covers `/permits` and `/permits/12`, not `/permitsx`."""
    prefix = prefix.rstrip("/")
    return not prefix or path == prefix or path.startswith(prefix + "/")


def template_matches(template: str, path: str) -> bool:
    """`/permits/:id/apply` matches `/permits/12/apply`: each `:name` is one non-empty segment."""
    wanted, actual = _trim(template).split("/"), path.split("/")
    if len(wanted) != len(actual):
        return False
    for pattern, segment in zip(wanted, actual, strict=True):
        if TEMPLATE_PARAM.match(pattern):
            if not segment:
                return False
        elif pattern != segment:
            return False
    return True


def glob_matches(pattern: str, path: str) -> bool:
    """`*` is any run within a segment, `?` one character, a `**` segment any number of segments."""
    wanted, actual = _trim(pattern).split("/"), path.split("/")
    # reachable[j]: the pattern segments seen so far can consume exactly actual[:j].
    reachable = [True] + [False] * len(actual)
    for segment_pattern in wanted:
        if segment_pattern == "**":
            for j in range(1, len(actual) + 1):
                reachable[j] = reachable[j] or reachable[j - 1]
            continue
        step = [False] * (len(actual) + 1)
        for j in range(1, len(actual) + 1):
            step[j] = reachable[j - 1] and _segment_matches(segment_pattern, actual[j - 1])
        reachable = step
    return reachable[len(actual)]


def _segment_matches(pattern: str, text: str) -> bool:
    """Wildcard match within one segment, greedy with backtracking to the last `*` only."""
    p = t = 0
    star_p, star_t = -1, 0
    while t < len(text):
        if p < len(pattern) and pattern[p] != "*" and (pattern[p] == "?" or pattern[p] == text[t]):
            p, t = p + 1, t + 1
        elif p < len(pattern) and pattern[p] == "*":
            star_p, star_t = p, t
            p += 1
        elif star_p >= 0:
            star_t += 1
            p, t = star_p + 1, star_t
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def _trim(path: str) -> str:
    return path.rstrip("/") or "/"
