"""Frustration signals, session scores, the replay shortlist and daily aggregates (no I/O)."""

from signals.aggregates import DayAggregates, aggregate_day, viewport_class
from signals.cursor import thrashed_cursor_in
from signals.dead import dead_clicks_in
from signals.departments import department_for
from signals.detect import detect_page_view, detect_session
from signals.error_clicks import error_clicks_in
from signals.errors import InvalidModel, InvalidThresholds, SignalsError
from signals.features import FEATURE_NAMES, page_view_features
from signals.forms import form_abandonment_in
from signals.model import SIGNAL_KINDS, PageView, Signal
from signals.navigation import page_loops_in, quick_backs_in
from signals.rage import rage_clicks_in
from signals.score import DEFAULT_WEIGHTS, Score, ScoreWeights, score_session
from signals.scrolling import excessive_scrolling_in
from signals.shortlist import Group, SessionSummary, shortlist
from signals.thresholds import DEFAULT_THRESHOLDS, RULES_VERSION, Thresholds, resolve_thresholds
from signals.unusual import Unusualness, explain, session_unusualness, unusualness
from signals.unusual_model import SITE_WIDE, build_model

__all__ = [
    "DEFAULT_THRESHOLDS",
    "DEFAULT_WEIGHTS",
    "FEATURE_NAMES",
    "RULES_VERSION",
    "SIGNAL_KINDS",
    "SITE_WIDE",
    "DayAggregates",
    "Group",
    "InvalidModel",
    "InvalidThresholds",
    "PageView",
    "Score",
    "ScoreWeights",
    "SessionSummary",
    "Signal",
    "SignalsError",
    "Thresholds",
    "Unusualness",
    "aggregate_day",
    "dead_clicks_in",
    "department_for",
    "detect_page_view",
    "detect_session",
    "error_clicks_in",
    "excessive_scrolling_in",
    "build_model",
    "explain",
    "form_abandonment_in",
    "page_loops_in",
    "page_view_features",
    "quick_backs_in",
    "rage_clicks_in",
    "resolve_thresholds",
    "score_session",
    "session_unusualness",
    "shortlist",
    "thrashed_cursor_in",
    "unusualness",
    "viewport_class",
]
